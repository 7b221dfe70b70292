"""Seed code vs the package's default recipe, side by side in one run (issue: 1.5x faster, >= 90% accuracy).

    python bench/train_speed.py [--repeats 3] [--epochs 5] [--out bench/results/train_speed.json]

Each training run happens in its own process (so peak memory is per run and nothing is shared), alternating between
the two recipes so that a noisy machine slows both alike. Prints, per recipe: test accuracy, steady training
images/s, seconds per epoch, peak resident memory, and the fraction of the compute-bound limit reached; stores the
runs, the summaries and the ratio in --out."""
import argparse, json, os, resource, subprocess, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")   # before TensorFlow is imported
import numpy as np

def seed_code(seed:int, epochs:int)->dict:
    "The seed as it is written: Keras defaults, batch 32, model.fit on NumPy arrays of all 60,000 images."
    import keras
    from imgdl_nb.data import load_fashion_mnist   # the seed calls keras.datasets.fashion_mnist.load_data(): same arrays, offline
    from imgdl_nb.train import EpochTimer, images_per_second
    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    x_train, x_test = x_train.reshape(-1, 28, 28, 1) / 255.0, x_test.reshape(-1, 28, 28, 1) / 255.0
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(32, (3, 3), activation='relu'), keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Conv2D(64, (3, 3), activation='relu'), keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Flatten(), keras.layers.Dense(128, activation='relu'), keras.layers.Dense(10, activation='softmax')])
    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    timer = EpochTimer()
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, callbacks=[timer], verbose=0)
    accuracy = model.evaluate(x_test, y_test, verbose=0)[1]
    return dict(test_accuracy=accuracy, epoch_seconds=timer.seconds, images_per_second=images_per_second(len(x_train), timer.seconds),
                train_images=len(x_train), dtype_policy='float32', batch_size=32)

def package_recipe(seed:int, epochs:int)->dict:
    "The package's default recipe (TrainConfig defaults) on a 54,000/6,000 train/validation split."
    from imgdl_nb.data import load_fashion_mnist
    from imgdl_nb.preprocess import prepare_splits
    from imgdl_nb.train import train, TrainConfig, choose_dtype_policy
    from imgdl_nb.evaluate import evaluate_model
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    config = TrainConfig(seed=seed, epochs=epochs)
    data = prepare_splits(x_train, y_train, x_test, y_test, config.validation_fraction, seed)
    result = train(data, config, verbose=0)
    accuracy = evaluate_model(result.model, data.x_test, data.y_test).accuracy
    return dict(test_accuracy=accuracy, epoch_seconds=result.epoch_seconds, images_per_second=result.images_per_second,
                train_images=len(data.x_train), dtype_policy=choose_dtype_policy(config.precision), batch_size=config.batch_size)

RECIPES = {'seed code': seed_code, 'package recipe': package_recipe}

def training_flops_per_image()->float:
    "03's `layer_flops` over the seed CNN, x3 for training, less conv1's unneeded input gradient."
    from imgdl_nb.models import seed_cnn
    from imgdl_nb.train import layer_flops
    flops = [layer_flops(layer) for layer in seed_cnn().layers]   # conv1 first
    return 3 * sum(flops) - flops[0]

def run_child(recipe:str, seed:int, epochs:int)->dict:
    "Run one recipe in a fresh process; return its measurements with the child's peak memory."
    env = {**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '2'}
    done = subprocess.run([sys.executable, __file__, '--child', recipe, '--seed', str(seed), '--epochs', str(epochs)],
                          capture_output=True, text=True, env=env)
    if done.returncode: sys.exit(f'{recipe} (seed {seed}) failed:\n{done.stderr[-3000:]}')
    return json.loads(done.stdout.strip().splitlines()[-1])

def summary(runs:list)->dict:
    "Means over the runs of one recipe."
    mean = lambda key: float(np.mean([r[key] for r in runs]))
    return dict(test_accuracy=mean('test_accuracy'), accuracies=[round(r['test_accuracy'], 4) for r in runs],
                images_per_second=mean('images_per_second'), seconds_per_epoch=float(np.mean([np.mean(r['epoch_seconds']) for r in runs])),
                steady_seconds_per_epoch=float(np.mean([np.mean(r['epoch_seconds'][1:] or r['epoch_seconds']) for r in runs])),
                peak_rss_mib=mean('peak_rss_mib'), dtype_policy=runs[0]['dtype_policy'], batch_size=runs[0]['batch_size'],
                train_images=runs[0]['train_images'])

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--repeats', type=int, default=3, help='runs (seeds 0..repeats-1) of each recipe')
    parser.add_argument('--epochs', type=int, default=5)
    parser.add_argument('--out', default='bench/results/train_speed.json', help='where the runs and the summary are stored')
    parser.add_argument('--child', choices=list(RECIPES), help=argparse.SUPPRESS)
    parser.add_argument('--seed', type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = RECIPES[args.child](args.seed, args.epochs)
        result['peak_rss_mib'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result)); return
    load_before = list(os.getloadavg())
    runs = {name: [] for name in RECIPES}
    for seed in range(args.repeats):
        for name in RECIPES:
            runs[name].append(run_child(name, seed, args.epochs))
            r = runs[name][-1]
            print(f'  {name:15s} seed {seed}: test accuracy {r["test_accuracy"]:.4f}, {r["images_per_second"]:,.0f} images/s, '
                  f'epochs {np.round(r["epoch_seconds"], 1).tolist()} s', flush=True)
    from imgdl_nb.train import matmul_limit   # 03's: the median of 10 products of 2048 x 2048 matrices
    fp32, bf16 = matmul_limit('float32'), matmul_limit('bfloat16')
    flops = training_flops_per_image()
    limits = {'float32': fp32 * 1e9 / flops, 'mixed_bfloat16': bf16 * 1e9 / flops}
    print(f'\nmatmul on this machine: float32 {fp32:.0f} GFLOP/s, bfloat16 {bf16:.0f} GFLOP/s; seed CNN training cost '
          f'{flops / 1e6:.1f} MFLOP/image -> compute-bound limit {limits["float32"]:,.0f} images/s (float32), '
          f'{limits["mixed_bfloat16"]:,.0f} (bfloat16)\n')
    rows = {name: summary(r) for name, r in runs.items()}
    print(f'{"":16s}{"test acc (mean)":>16s}{"images/s":>10s}{"s/epoch":>9s}{"steady s/ep":>12s}{"peak MiB":>10s}'
          f'{"of fp32 limit":>14s}{"of own limit":>13s}  settings')
    for name, s in rows.items():
        print(f'{name:16s}{s["test_accuracy"]:>16.4f}{s["images_per_second"]:>10,.0f}{s["seconds_per_epoch"]:>9.1f}'
              f'{s["steady_seconds_per_epoch"]:>12.1f}{s["peak_rss_mib"]:>10.0f}{s["images_per_second"] / limits["float32"]:>14.0%}'
              f'{s["images_per_second"] / limits[s["dtype_policy"]]:>13.0%}  batch {s["batch_size"]}, {s["dtype_policy"]}, '
              f'{s["train_images"]:,} train images, accuracies {s["accuracies"]}')
    seed, ours = rows['seed code'], rows['package recipe']
    print(f'\npackage recipe vs seed code: {ours["images_per_second"] / seed["images_per_second"]:.2f}x images/s, '
          f'{seed["seconds_per_epoch"] / ours["seconds_per_epoch"]:.2f}x faster per epoch '
          f'({seed["steady_seconds_per_epoch"] / ours["steady_seconds_per_epoch"]:.2f}x steady); '
          f'test accuracy {ours["test_accuracy"]:.4f} vs {seed["test_accuracy"]:.4f}')
    from pathlib import Path
    from imgdl_nb.data import write_atomically
    sys.path.insert(0, str(Path(__file__).parent)); from machine import cpu_description
    stored = dict(machine=f"{cpu_description()}, {os.cpu_count()} cores", load_before=load_before, load_after=list(os.getloadavg()),
                  epochs=args.epochs, matmul_gflops=dict(float32=fp32, bfloat16=bf16), training_flops_per_image=flops, limits=limits,
                  summary=rows, images_per_second_ratio=ours['images_per_second'] / seed['images_per_second'], runs=runs)
    write_atomically(Path(args.out), lambda p: Path(p).write_text(json.dumps(stored, indent=1)))
    print(f'wrote {args.out}')

if __name__ == '__main__': main()
