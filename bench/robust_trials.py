"""Variants of the robust recipe, chosen on the validation split (the test split is not touched).

    python bench/robust_trials.py NAME [setting=value ...] [--threads 2] [--out bench/results/robust_trials.jsonl]

e.g. `python bench/robust_trials.py trades3 attack=pgd trades_beta=3`. Each setting is a field of
`imgdl_nb.adversarial.AdversarialConfig` (its defaults, the fast FGSM recipe, fill the rest). The variant trains with
`train_robust` on the 54,000 training images, then is measured on validation images the guard does not see:
clean accuracy on all 6,000 and accuracy under PGD-20 (one restart) at the training ε on 3,000 of them
(images 1,000-3,999; the guard uses the first 1,000). One JSON line per variant is appended to --out, with the
training seconds, the load average before and after, and the guard's PGD-10 accuracy per epoch. Unless the variant
already averages each prediction with its mirror image's (`mirror_average=true`), the same two numbers are measured
for the trained network wrapped that way too (05's test-time mirror averaging, attacked through both branches).
--keep FOLDER saves the trained network there as NAME.keras."""
import argparse, dataclasses, json, os, sys, time
from pathlib import Path
from machine import cpu_description   # bench/machine.py

def parse_setting(text:str, fields:dict)->tuple:
    "'name=value' -> (name, value of the field's type); tuples as comma-separated numbers, 'none' as None."
    name, _, value = text.partition('=')
    if name not in fields: sys.exit(f"unknown setting {name!r}; AdversarialConfig has: {', '.join(fields)}")
    kind = fields[name]
    if value.lower() == 'none': return name, None
    if kind in ('tuple', tuple): return name, tuple(int(v) for v in value.split(','))
    if kind in ('bool', bool): return name, value.lower() in ('1', 'true', 'yes')
    for convert in (int, float):
        try: return name, convert(value)
        except ValueError: pass
    return name, value

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('name'); parser.add_argument('settings', nargs='*')
    parser.add_argument('--threads', type=int, default=0, help='TensorFlow intra-op threads (0: its default)')
    parser.add_argument('--out', default=str(Path(__file__).parent/'results'/'robust_trials.jsonl'))
    parser.add_argument('--keep', help='a folder to save the trained network in, as NAME.keras')
    args = parser.parse_args()
    import tensorflow as tf
    if args.threads: tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    from imgdl_nb.data import load_fashion_mnist
    from imgdl_nb.preprocess import prepare_splits
    from imgdl_nb.generalization import with_mirror_averaging
    from imgdl_nb.adversarial import AdversarialConfig, train_robust, PixelClassifier, robust_accuracy, raw_images, predict_classes
    fields = {f.name: f.type for f in dataclasses.fields(AdversarialConfig)}
    config = AdversarialConfig(**dict(parse_setting(s, fields) for s in args.settings))
    (a, b), (c, d) = load_fashion_mnist()
    data = prepare_splits(a, b, c, d, config.validation_fraction, config.seed)
    load = os.getloadavg()
    result = train_robust(data, config, verbose=0)
    load_after = os.getloadavg()
    if args.keep: Path(args.keep).mkdir(parents=True, exist_ok=True); result.model.save(Path(args.keep)/f'{args.name}.keras')
    x_val = raw_images(data.x_val, data.stats)
    def measured(model)->dict:   # clean accuracy on all validation images, PGD-20 on 3,000 the guard does not use
        classifier, start = PixelClassifier(model, data.stats), time.perf_counter()
        clean = float((predict_classes(classifier, x_val)[0] == data.y_val).mean())
        pgd20 = robust_accuracy(classifier, x_val[1000:4000], data.y_val[1000:4000], config.epsilon, steps=20)
        return dict(val_clean_accuracy=clean, val_pgd20_accuracy=pgd20, seconds=time.perf_counter() - start)
    plain = measured(result.model)
    mirrored = None if config.mirror_average else measured(with_mirror_averaging(result.model))
    row = dict(name=args.name, settings=args.settings, config=dataclasses.asdict(config), threads=args.threads, cpu=cpu_description(),
               train_seconds=float(sum(result.epoch_seconds)), epochs_run=len(result.epoch_seconds), stopped_epoch=result.stopped_epoch,
               **plain, mirror_averaged=mirrored,
               guard_pgd10=[round(v, 4) for v in result.history.get('val_pgd_accuracy', [])], load_before=load, load_after=load_after)
    with open(args.out, 'a') as f: f.write(json.dumps(row) + '\n')
    also = f" (mirror-averaged: {mirrored['val_clean_accuracy']:.4f}, {mirrored['val_pgd20_accuracy']:.4f})" if mirrored else ''
    print(f"{args.name}: validation clean {plain['val_clean_accuracy']:.4f}, PGD-20 {plain['val_pgd20_accuracy']:.4f} (3,000 images){also}; "
          f"training {row['train_seconds']:.0f} s, {row['epochs_run']} epochs; guard PGD-10 {row['guard_pgd10']}")

if __name__ == '__main__': main()
