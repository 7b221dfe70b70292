"""The seed recipe (about a minute of training) vs `imgdl_train --recipe best` (goal: >= 93.5% test accuracy within 10 minutes).

    python bench/recipe_best.py [--seeds 0 1 2] [--best-epochs N] [--out bench/results/recipe_best.json]

Every run is the installed `imgdl_train` command in its own process, on all 54,000 training images (6,000 held out
for validation) and the 10,000 test images, alternating seed and best recipe per seed so that a noisy machine slows
both alike. Prints, per run, test accuracy, training wall time (the sum of the epochs' wall-clock seconds as
metrics.json records them, validation after each epoch included), the whole command's time and the load average;
then mean ± sample standard deviation per recipe. For the best recipe it also loads the saved model and measures the
test accuracy of the network inside it without mirror averaging (test-time augmentation), to show what that adds.
Writes everything to --out as JSON."""
import argparse, json, os, platform, shutil, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np

LIMITS = {'seed': 60, 'best': 600}   # seconds of training allowed by the goal

def without_mirror_average(folder:Path)->float:
    "Test accuracy of the saved model's inner network alone: each image predicted once, not averaged with its mirror."
    import keras, imgdl_nb.model_selection   # registers the recipe's custom layers for loading
    from imgdl_nb.data import load_fashion_mnist
    from imgdl_nb.preprocess import preprocess_images, PixelStats
    from imgdl_nb.evaluate import evaluate_model
    m = json.loads((folder/'metrics.json').read_text())
    (_, _), (images, labels) = load_fashion_mnist()
    network = next(l for l in keras.models.load_model(folder/'model.keras').layers if isinstance(l, keras.Model))
    return evaluate_model(network, preprocess_images(images, PixelStats(**m['preprocessing'])), labels).accuracy   # as the command evaluates

def run(recipe:str, seed:int, folder:Path, *flags)->dict:
    "One `imgdl_train --recipe RECIPE --seed SEED [flags]` run; its metrics and the load around it."
    command = shutil.which('imgdl_train', path=str(Path(sys.executable).parent)) or 'imgdl_train'
    load_before, start = os.getloadavg(), time.perf_counter()
    done = subprocess.run([command, '--recipe', recipe, '--seed', str(seed), '--out', str(folder), '--quiet', *flags],
                          capture_output=True, text=True, env={**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '2'})
    if done.returncode: sys.exit(f'{recipe} (seed {seed}) failed:\n{done.stderr[-3000:]}')
    m = json.loads((folder/'metrics.json').read_text())
    plain = {'test_accuracy_without_mirror_average': without_mirror_average(folder)} if m['config'].get('mirror_average') else {}
    return plain | dict(recipe=recipe, seed=seed, test_accuracy=m['test_accuracy'], train_seconds=float(sum(m['epoch_seconds'])),
                command_seconds=time.perf_counter() - start, epochs=len(m['epoch_seconds']), images_per_second=m['training_images_per_second'],
                dtype_policy=m['dtype_policy'], config=m['config'], load_before=load_before, load_after=os.getloadavg())

def line(r:dict)->str:
    plain = f" ({r['test_accuracy_without_mirror_average']:.4f} without mirror averaging)" if 'test_accuracy_without_mirror_average' in r else ''
    return (f"{r['recipe']:>4} seed {r['seed']}: test accuracy {r['test_accuracy']:.4f}{plain}   training {r['train_seconds']:6.1f} s "
            f"({r['epochs']} epochs, {r['images_per_second']:,.0f} images/s)   command {r['command_seconds']:6.1f} s   "
            f"load {r['load_before'][0]:.2f} -> {r['load_after'][0]:.2f}   within {LIMITS[r['recipe']]} s: {r['train_seconds'] <= LIMITS[r['recipe']]}")

def summary(runs:list)->str:
    "Mean ± sample standard deviation per recipe."
    rows = []
    for recipe in LIMITS:
        mine = [r for r in runs if r['recipe'] == recipe]
        if not mine: continue
        acc, sec = np.array([r['test_accuracy'] for r in mine]), np.array([r['train_seconds'] for r in mine])
        sd = lambda a: a.std(ddof=1) if len(a) > 1 else float('nan')
        rows.append(f"{recipe:>4} recipe, {len(mine)} seeds: test accuracy {acc.mean():.4f} ± {sd(acc):.4f} (min {acc.min():.4f}, max {acc.max():.4f}); "
                    f"training {sec.mean():.1f} ± {sd(sec):.1f} s (max {sec.max():.1f} s; goal: within {LIMITS[recipe]} s)")
    return '\n'.join(rows)

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--recipes', nargs='+', default=['seed', 'best'], choices=list(LIMITS))
    parser.add_argument('--best-epochs', type=int, help="epochs of the best recipe (default: the recipe's own)")
    parser.add_argument('--out', default=str(Path(__file__).parent/'results'/'recipe_best.json'))
    args = parser.parse_args()
    runs, machine = [], f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        for seed in args.seeds:
            for recipe in args.recipes:
                flags = ['--epochs', str(args.best_epochs)] if recipe == 'best' and args.best_epochs else []
                runs.append(run(recipe, seed, Path(d)/f'{recipe}-{seed}', *flags)); print(line(runs[-1]), flush=True)
                text = summary(runs)   # written after every run, so an interrupted benchmark keeps what it measured
                Path(args.out).write_text(json.dumps(dict(runs=runs, machine=machine, summary_text='\n'.join(map(line, runs)) + '\n' + text), indent=2))
    print(text)

if __name__ == '__main__': main()
