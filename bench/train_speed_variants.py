"""The default recipe's training speed with one change at a time, side by side in one process.

    python bench/train_speed_variants.py [--epochs 3] [--out bench/results/train_speed_variants.json]

Issue 18 lists changes to measure before keeping any: XLA (`jit_compile`) on today's TensorFlow, and larger batches
with the learning rate scaled linearly (4e-3 x batch/256). Each variant trains the seed CNN with the default recipe
(03's train and TrainConfig, bfloat16 where native) on all 54,000 training images for --epochs epochs; its speed is
the steady images/s of all epochs but the first (03's images_per_second). The baseline runs first and last, so that
drift on a shared machine shows as a difference between the two; ratios are against their mean. Validation accuracy
after --epochs epochs is printed too, as a sanity check only: whether a change keeps >= 91% after 5 epochs needs the
5-epoch, 3-seed runs of bench/train_speed.py."""
import argparse, json, os, sys
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from machine import cpu_description

def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--epochs', type=int, default=3); parser.add_argument('--out', default='bench/results/train_speed_variants.json')
    args = parser.parse_args()
    from dataclasses import replace
    from imgdl_nb.data import load_fashion_mnist, write_atomically
    from imgdl_nb.preprocess import prepare_splits
    from imgdl_nb.train import TrainConfig, train, compiled_seed_cnn, choose_dtype_policy
    (x, y), (xt, yt) = load_fashion_mnist()
    data = prepare_splits(x, y, xt, yt)
    base = TrainConfig(epochs=args.epochs)
    def with_xla(config, shape, n_classes, steps):
        model = compiled_seed_cnn(config, shape, n_classes, steps)
        model.compile(optimizer=model.optimizer, loss=model.loss, metrics=['accuracy'], jit_compile=True)
        return model
    variants = [('baseline (batch 256)', base, compiled_seed_cnn), ('jit_compile=True', base, with_xla),
                ('batch 512, lr 8e-3', replace(base, batch_size=512, learning_rate=8e-3), compiled_seed_cnn),
                ('batch 1024, lr 1.6e-2', replace(base, batch_size=1024, learning_rate=1.6e-2), compiled_seed_cnn),
                ('baseline again', base, compiled_seed_cnn)]
    result = {'machine': f"{cpu_description()}, {os.cpu_count()} cores", 'load_before': list(os.getloadavg()),
              'dtype_policy': choose_dtype_policy(base.precision), 'epochs': args.epochs, 'train_images': len(data.x_train), 'runs': []}
    for name, config, build in variants:
        run = train(data, config, verbose=0, build_model=build)
        result['runs'].append({'variant': name, 'images_per_second': run.images_per_second, 'epoch_seconds': run.epoch_seconds,
                               'val_accuracy': float(run.history['val_accuracy'][-1])})
        print(f"{name:24s} {run.images_per_second:9,.0f} images/s   validation accuracy after {args.epochs} epochs {run.history['val_accuracy'][-1]:.4f}", flush=True)
    baseline = (result['runs'][0]['images_per_second'] + result['runs'][-1]['images_per_second']) / 2
    for r in result['runs']: r['vs_baseline'] = r['images_per_second'] / baseline
    print('ratios to the mean baseline: ' + ', '.join(f"{r['variant']} {r['vs_baseline']:.2f}" for r in result['runs']))
    result['load_after'] = list(os.getloadavg())
    write_atomically(Path(args.out), lambda p: Path(p).write_text(json.dumps(result, indent=1)))
    print(f"wrote {args.out}")

if __name__ == '__main__': main()
