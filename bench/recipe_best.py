"""The seed recipe (about a minute of training) vs `imgdl_train --recipe best` (goal: >= 93.5% test accuracy within 10 minutes).

    python bench/recipe_best.py [--seeds 0 1 2] [--recipes seed best] [--best-epochs N] [--label-smoothing EPS]
                                [--out bench/results/recipe_best.json]

Every run trains in its own process on all 54,000 training images (6,000 held out for validation) and is evaluated on
the 10,000 test images, alternating seed and best recipe per seed so that a noisy machine slows both alike. A run is the
installed `imgdl_train` command; with --label-smoothing (which the command has no flag for) the best recipe runs
`imgdl_nb.cli.train_and_report`, the command's own function, in a child Python process instead. Prints, per run,
validation accuracy (the last epoch's, as metrics.json records it) and test accuracy, training wall time (the sum of the
epochs' wall-clock seconds, validation after each epoch included), the whole command's time and the load average; then
mean ± sample standard deviation per recipe. For the best recipe it also loads the saved model and measures the
validation and test accuracy of the network inside it without mirror averaging (test-time augmentation), on the
command's own validation split, so that mirror averaging can be chosen on validation. Writes everything to --out as JSON.

06_model_selection chooses the recipe's epochs, label smoothing and mirror averaging on the validation accuracy of
these files (test accuracy is reported for the chosen recipe only):

    python bench/recipe_best.py                                   # -> recipe_best.json (the recipe as it is)
    python bench/recipe_best.py --recipes best --best-epochs 10 --out bench/results/recipe_best_10_epochs.json
    python bench/recipe_best.py --recipes best --best-epochs 14 --out bench/results/recipe_best_14_epochs.json
    python bench/recipe_best.py --recipes best --label-smoothing 0 --out bench/results/recipe_best_no_smoothing.json"""
import argparse, json, os, platform, shutil, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np

LIMITS = {'seed': 60, 'best': 600}   # seconds of training allowed by the goal

def without_mirror_average(folder:Path)->dict:
    "Validation and test accuracy of the saved model's inner network alone: each image predicted once, not averaged with its mirror."
    import keras, imgdl_nb.model_selection   # registers the recipe's custom layers for loading
    from imgdl_nb.data import load_fashion_mnist
    from imgdl_nb.preprocess import prepare_splits
    from imgdl_nb.evaluate import evaluate_model
    m = json.loads((folder/'metrics.json').read_text())
    (train_images, train_labels), (test_images, test_labels) = load_fashion_mnist()
    data = prepare_splits(train_images, train_labels, test_images, test_labels, m['config']['validation_fraction'], m['config']['seed'])
    stored = m['preprocessing']   # the command's split, so the same statistics
    if not np.allclose([data.stats.mean, data.stats.std], [stored['mean'], stored['std']], rtol=1e-6): sys.exit(f'{folder}: not the command split')
    network = next(l for l in keras.models.load_model(folder/'model.keras').layers if isinstance(l, keras.Model))
    return {'validation_accuracy_without_mirror_average': evaluate_model(network, data.x_val, data.y_val).accuracy,
            'test_accuracy_without_mirror_average': evaluate_model(network, data.x_test, data.y_test).accuracy}   # as the command evaluates

CHILD = """import json, sys
from imgdl_nb.cli import train_and_report
from imgdl_nb.model_selection import best_recipe_config
a = json.loads(sys.argv[1])
train_and_report(best_recipe_config(**a['config']), a['out'], verbose=0, **a.get('run', {}))"""

def run(recipe:str, seed:int, folder:Path, epochs:int=None, label_smoothing:float=None)->dict:
    "One `imgdl_train --recipe RECIPE --seed SEED [--epochs N]` run (label smoothing: the same in a child process); its metrics and the load around it."
    command = shutil.which('imgdl_train', path=str(Path(sys.executable).parent)) or 'imgdl_train'
    if recipe == 'best' and label_smoothing is not None:
        config = dict(seed=seed, label_smoothing=label_smoothing) | ({'epochs': epochs} if epochs else {})
        argv = [sys.executable, '-c', CHILD, json.dumps(dict(config=config, out=str(folder)))]
    else: argv = [command, '--recipe', recipe, '--seed', str(seed), '--out', str(folder), '--quiet', *(['--epochs', str(epochs)] if epochs else [])]
    load_before, start = os.getloadavg(), time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '2'})
    if done.returncode: sys.exit(f'{recipe} (seed {seed}) failed:\n{done.stderr[-3000:]}')
    m = json.loads((folder/'metrics.json').read_text())
    plain = without_mirror_average(folder) if m['config'].get('mirror_average') else {}
    return plain | dict(recipe=recipe, seed=seed, validation_accuracy=m['validation_accuracy'], test_accuracy=m['test_accuracy'],
                train_seconds=float(sum(m['epoch_seconds'])), command_seconds=time.perf_counter() - start, epochs=len(m['epoch_seconds']),
                images_per_second=m['training_images_per_second'], dtype_policy=m['dtype_policy'], config=m['config'],
                load_before=load_before, load_after=os.getloadavg())

def line(r:dict)->str:
    val, test = [f"{r[k]:.4f}" + (f" ({r[k + '_without_mirror_average']:.4f} without mirror averaging)" if k + '_without_mirror_average' in r else '')
                 for k in ('validation_accuracy', 'test_accuracy')] if 'validation_accuracy' in r else ['not recorded', f"{r['test_accuracy']:.4f}"]
    return (f"{r['recipe']:>4} seed {r['seed']}: validation accuracy {val}; test accuracy {test}   training {r['train_seconds']:6.1f} s "
            f"({r['epochs']} epochs, {r['images_per_second']:,.0f} images/s)   command {r['command_seconds']:6.1f} s   "
            f"load {r['load_before'][0]:.2f} -> {r['load_after'][0]:.2f}   within {LIMITS[r['recipe']]} s: {r['train_seconds'] <= LIMITS[r['recipe']]}")

def summary(runs:list)->str:
    "Mean ± sample standard deviation per recipe."
    rows = []
    for recipe in LIMITS:
        mine = [r for r in runs if r['recipe'] == recipe]
        if not mine: continue
        val, acc, sec = [np.array([r.get(k, np.nan) for r in mine]) for k in ('validation_accuracy', 'test_accuracy', 'train_seconds')]
        sd = lambda a: a.std(ddof=1) if len(a) > 1 else float('nan')
        rows.append(f"{recipe:>4} recipe, {len(mine)} seeds: validation accuracy {val.mean():.4f} ± {sd(val):.4f}; "
                    f"test accuracy {acc.mean():.4f} ± {sd(acc):.4f} (min {acc.min():.4f}, max {acc.max():.4f}); "
                    f"training {sec.mean():.1f} ± {sd(sec):.1f} s (max {sec.max():.1f} s; goal: within {LIMITS[recipe]} s)")
    return '\n'.join(rows)

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--recipes', nargs='+', default=['seed', 'best'], choices=list(LIMITS))
    parser.add_argument('--best-epochs', type=int, help="epochs of the best recipe (default: the recipe's own)")
    parser.add_argument('--label-smoothing', type=float, help="label smoothing of the best recipe (default: the recipe's own)")
    parser.add_argument('--out', default=str(Path(__file__).parent/'results'/'recipe_best.json'))
    args = parser.parse_args()
    runs, machine = [], f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        for seed in args.seeds:
            for recipe in args.recipes:
                changes = dict(epochs=args.best_epochs, label_smoothing=args.label_smoothing) if recipe == 'best' else {}
                runs.append(run(recipe, seed, Path(d)/f'{recipe}-{seed}', **changes)); print(line(runs[-1]), flush=True)
                text = summary(runs)   # written after every run, so an interrupted benchmark keeps what it measured
                Path(args.out).write_text(json.dumps(dict(runs=runs, machine=machine, summary_text='\n'.join(map(line, runs)) + '\n' + text), indent=2))
    print(text)

if __name__ == '__main__': main()
