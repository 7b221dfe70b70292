"""The default recipe's training speed with one change at a time, side by side in one run, each in its own process.

    python bench/train_speed_variants.py [--epochs 3] [--rounds 3] [--out bench/results/train_speed_variants.json]

Issue 18 lists changes to measure before keeping any: XLA (`jit_compile`) on today's TensorFlow, larger batches with
the learning rate scaled linearly (4e-3 x batch/256), oneDNN and thread settings, tf.data options, and a custom
training step instead of `fit` (and what a custom step skips: Keras' running accuracy, a return to Python after
every step; the recipe runs 16 steps per call since this benchmark's first runs, so it measures 1 per call). Each
variant trains the seed CNN with the default recipe (03's TrainConfig and compiled_seed_cnn, bfloat16 where native)
on all 54,000 training images for --epochs epochs, in a fresh process (so that environment variables and thread
pools, which TensorFlow reads once, can differ); its speed is the steady images/s of all epochs but the first (03's
images_per_second). The baseline runs first and last, so that drift on a shared machine shows as a difference
between the two; ratios are against their mean. Validation accuracy after --epochs epochs is printed too, as a
sanity check only: whether a change keeps >= 91% after 5 epochs needs the 5-epoch, 3-seed runs of
bench/train_speed.py. With --rounds R the whole list runs R times; each variant's ratio is the median over rounds of
its ratio to that round's baseline."""
import argparse, json, os, subprocess, sys, time
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from machine import cpu_description

# name: (environment, intra-op threads, inter-op threads, config changes, how it trains)
VARIANTS = {'baseline (batch 256)': ({}, 0, 0, {}, 'fit'),
            'jit_compile=True': ({}, 0, 0, {}, 'fit xla'),
            'batch 512, lr 8e-3': ({}, 0, 0, dict(batch_size=512, learning_rate=8e-3), 'fit'),
            'batch 1024, lr 1.6e-2': ({}, 0, 0, dict(batch_size=1024, learning_rate=1.6e-2), 'fit'),
            'oneDNN off': ({'TF_ENABLE_ONEDNN_OPTS': '0'}, 0, 0, {}, 'fit'),
            'intra-op 2, inter-op 1 threads': ({}, 2, 1, {}, 'fit'),
            'intra-op 1, inter-op 2 threads': ({}, 1, 2, {}, 'fit'),
            'tf.data autotune on': ({}, 0, 0, {}, 'fit autotune'),
            'one step per call (steps_per_execution=1)': ({}, 0, 0, {}, 'fit one step'),
            'fit without the running accuracy': ({}, 0, 0, {}, 'fit nometric'),
            'custom step, Python loop': ({}, 0, 0, {}, 'custom step'),
            'custom step, epoch in one tf.function': ({}, 0, 0, {}, 'custom epoch'),
            'baseline again': ({}, 0, 0, {}, 'fit')}

def fit_variant(data, config, how:str):
    "Train with 03's `train` (Keras fit), optionally with XLA or tf.data's autotuner; (epoch seconds, validation accuracy)."
    from imgdl_nb.train import train, compiled_seed_cnn
    from imgdl_nb import train as train_module, preprocess
    compile_changes = {'fit xla': dict(jit_compile=True), 'fit one step': dict(steps_per_execution=1), 'fit nometric': dict(metrics=[])}.get(how)
    def recompiled(config, shape, n_classes, steps):
        model = compiled_seed_cnn(config, shape, n_classes, steps)
        model.compile(**dict(optimizer=model.optimizer, loss=model.loss, metrics=['accuracy'], steps_per_execution=model.steps_per_execution)
                         | compile_changes)
        return model
    # 03's train builds its datasets with make_dataset; this process trains once, so swapping it in 03's module is local
    if how == 'fit autotune': train_module.make_dataset = lambda *a, **k: preprocess.make_dataset(*a, **k, autotune=True)
    run = train(data, config, verbose=0, build_model=recompiled if compile_changes else compiled_seed_cnn)
    if 'val_accuracy' in run.history: return run.epoch_seconds, float(run.history['val_accuracy'][-1])
    predicted = run.model.predict(data.x_val, batch_size=1024, verbose=0).argmax(-1)   # compiled without metrics
    return run.epoch_seconds, float((predicted == data.y_val).mean())

def custom_variant(data, config, how:str):
    "Train with a hand-written step (gradient tape, the same model, optimizer and loss; no metrics); (epoch seconds, validation accuracy)."
    import tensorflow as tf, keras
    from imgdl_nb.preprocess import make_dataset
    from imgdl_nb.train import compiled_seed_cnn
    keras.utils.set_random_seed(config.seed)
    train_ds = make_dataset(data.x_train, data.y_train, config.batch_size, shuffle=True, seed=config.seed)
    model = compiled_seed_cnn(config, data.x_train.shape[1:], len(data.class_names), len(train_ds))
    model.optimizer.build(model.trainable_variables)
    def step(x, y):
        with tf.GradientTape() as tape: loss = model.loss(y, model(x, training=True))
        model.optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss
    step_graph = tf.function(step)
    @tf.function
    def epoch_graph(ds):
        loss = tf.constant(0.)
        for x, y in ds: loss = tf.cast(step(x, y), tf.float32)
        return loss
    seconds = []
    for _ in range(config.epochs):
        start = time.perf_counter()
        if how == 'custom epoch': epoch_graph(train_ds).numpy()
        else:
            for x, y in train_ds: loss = step_graph(x, y)
            loss.numpy()
        seconds.append(time.perf_counter() - start)
    return seconds, float(model.evaluate(data.x_val, data.y_val, batch_size=1024, verbose=0)[1])

def child(name:str, epochs:int)->dict:
    "Run one variant in this (fresh) process."
    env, intra, inter, changes, how = VARIANTS[name]
    import tensorflow as tf
    if intra: tf.config.threading.set_intra_op_parallelism_threads(intra)
    if inter: tf.config.threading.set_inter_op_parallelism_threads(inter)
    from dataclasses import replace
    from imgdl_nb.data import load_fashion_mnist
    from imgdl_nb.preprocess import prepare_splits
    from imgdl_nb.train import TrainConfig, images_per_second, choose_dtype_policy
    (x, y), (xt, yt) = load_fashion_mnist()
    data, config = prepare_splits(x, y, xt, yt), replace(TrainConfig(epochs=epochs), **changes)
    seconds, val = (custom_variant if how.startswith('custom') else fit_variant)(data, config, how)
    return {'variant': name, 'images_per_second': images_per_second(len(data.x_train), seconds), 'epoch_seconds': seconds,
            'dtype_policy': choose_dtype_policy(config.precision),
            'val_accuracy': val, 'settings': dict(env=env, intra_op_threads=intra, inter_op_threads=inter, changes=changes, how=how)}

def run_child(name:str, epochs:int)->dict:
    "One variant in a fresh process with its environment; its measurements."
    env = {**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '3', **VARIANTS[name][0]}
    done = subprocess.run([sys.executable, __file__, '--child', name, '--epochs', str(epochs)], capture_output=True, text=True, env=env)
    if done.returncode: sys.exit(f'{name} failed:\n{done.stderr[-3000:]}')
    return json.loads(done.stdout.strip().splitlines()[-1])

def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--epochs', type=int, default=3); parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--out', default='bench/results/train_speed_variants.json')
    parser.add_argument('--child', choices=list(VARIANTS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child: print(json.dumps(child(args.child, args.epochs))); return
    from imgdl_nb.data import write_atomically
    result = {'machine': f"{cpu_description()}, {os.cpu_count()} cores", 'load_before': list(os.getloadavg()), 'dtype_policy': None,
              'epochs': args.epochs, 'train_images': 54000, 'rounds': args.rounds, 'runs': []}
    for round in range(args.rounds):
        runs = [run_child(name, args.epochs) | {'round': round} for name in VARIANTS]
        baseline = (runs[0]['images_per_second'] + runs[-1]['images_per_second']) / 2
        for r in runs:
            r['vs_baseline'] = r['images_per_second'] / baseline
            print(f"round {round}  {r['variant']:40s} {r['images_per_second']:9,.0f} images/s {r['vs_baseline']:5.2f}x   "
                  f"validation accuracy after {args.epochs} epochs {r['val_accuracy']:.4f}", flush=True)
        result['runs'] += runs
    result['dtype_policy'] = result['runs'][0]['dtype_policy']
    result['summary'] = [summary(name, [r for r in result['runs'] if r['variant'] == name]) for name in VARIANTS]
    print('median ratios to the baseline: ' + ', '.join(f"{s['variant']} {s['vs_baseline']:.2f}" for s in result['summary']))
    result['load_after'] = list(os.getloadavg())
    write_atomically(Path(args.out), lambda p: Path(p).write_text(json.dumps(result, indent=1)))
    print(f"wrote {args.out}")

def summary(name:str, runs:list)->dict:
    "One variant over rounds: median images/s and ratio (with their ranges), mean validation accuracy."
    import numpy as np
    speed, ratio = [r['images_per_second'] for r in runs], [r['vs_baseline'] for r in runs]
    return dict(variant=name, images_per_second=float(np.median(speed)), vs_baseline=float(np.median(ratio)),
                vs_baseline_range=[min(ratio), max(ratio)], val_accuracy=float(np.mean([r['val_accuracy'] for r in runs])))

if __name__ == '__main__': main()
