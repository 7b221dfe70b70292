"""The robust recipe (goal: >= 88% clean test accuracy and >= 77% under PGD-50 with 5 restarts at ε = 0.1, trained in <= 30 minutes).

    python bench/adversarial.py [--attack pgd] [--seeds 0] [--out bench/results/adversarial.json] [--keep FOLDER]

Every step is an installed command in its own process, on all 54,000 training images (6,000 held out for
validation) and the 10,000 test images:

1. `imgdl_train --adversarial pgd --epsilon 0.1` trains the robust recipe (PGD adversarial training; `--attack fgsm`:
   the fast FGSM recipe, stored by default in adversarial_fgsm.json). Its training time is the sum of the epochs'
   wall-clock seconds as metrics.json records them (validation and the guard's PGD check after each epoch included).
2. `imgdl_attack` attacks the saved model on the whole test set at ε = 0.1: FGSM, PGD-20, PGD-50 with 5 restarts (the
   goal's attack), and PGD-50 on the margin loss of Carlini & Wagner as a cross-check of the cross-entropy attack.
   Each reports its attack throughput: test images attacked per second, from robustness.json.
3. The cost of robustness: seconds per epoch of the default recipe (`imgdl_train`, 2 epochs) and of the robust
   recipe's network trained without an attack (2 epochs in this process), next to the robust recipe's. They run
   right after the robust training, before the attacks, so that all the timed training runs back to back.

Prints one line per step and a verdict per goal; writes everything to --out as JSON after every step."""
import argparse, json, os, platform, shutil, subprocess, sys, tempfile, time
from pathlib import Path
from machine import cpu_description   # bench/machine.py

GOALS = {'clean_accuracy': 0.88, 'pgd50x5_accuracy': 0.77, 'train_seconds': 1800}
ATTACKS = {'fgsm': ['--attack', 'fgsm'], 'pgd20': ['--steps', '20'], 'pgd50x5': ['--steps', '50', '--restarts', '5'],
           'pgd50_margin': ['--steps', '50', '--loss', 'margin']}

def command(name:str, *args)->subprocess.CompletedProcess:
    "Run an installed console script; stop the benchmark with its error if it fails."
    path = shutil.which(name, path=str(Path(sys.executable).parent)) or name
    done = subprocess.run([path, *map(str, args)], capture_output=True, text=True, env={**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '2'})
    if done.returncode: sys.exit(f'{name} {" ".join(map(str, args))} failed:\n{done.stderr[-3000:]}')
    return done

def robust_training(attack:str, seed:int, folder:Path)->dict:
    "Train the robust recipe of `attack` with the command; its clean accuracy, training time and per-epoch history."
    load, start = os.getloadavg(), time.perf_counter()
    command('imgdl_train', '--adversarial', attack, '--epsilon', '0.1', '--seed', seed, '--out', folder, '--quiet')
    m = json.loads((folder/'metrics.json').read_text())
    return dict(seed=seed, clean_accuracy=m['test_accuracy'], train_seconds=float(sum(m['epoch_seconds'])), epochs=len(m['epoch_seconds']),
                epoch_seconds=m['epoch_seconds'], command_seconds=time.perf_counter() - start, val_pgd_accuracy=m['history']['val_pgd_accuracy'],
                stopped_epoch=m['adversarial']['stopped_epoch'], config=m['config'], load_before=load, load_after=os.getloadavg())

def attack(model:Path, name:str, folder:Path)->dict:
    "One `imgdl_attack` run at ε = 0.1 on the whole test set."
    command('imgdl_attack', '--model', model, '--epsilon', '0.1', *ATTACKS[name], '--out', folder/name, '--quiet')
    r = json.loads((folder/name/'robustness.json').read_text())
    return dict(attack=name, accuracy=r['accuracy'][0], seconds=r['seconds'][0], images_per_second=r['images_per_second'][0], images=r['images'])

def standard_epoch_seconds(attack:str, folder:Path)->dict:
    "Seconds per epoch of standard training: the default recipe (command, 2 epochs; the second is steady) and the robust network without attack."
    command('imgdl_train', '--epochs', '2', '--out', folder/'default', '--quiet')
    default = json.loads((folder/'default'/'metrics.json').read_text())['epoch_seconds']
    import keras
    from imgdl_nb.data import load_fashion_mnist
    from imgdl_nb.preprocess import prepare_splits
    from imgdl_nb.train import train
    from imgdl_nb.adversarial import robust_recipe_config, robust_recipe_network
    config = robust_recipe_config(attack, epochs=2)
    def build(c, shape, n, steps):   # the robust recipe's network and optimizer, trained on clean images
        keras.utils.set_random_seed(c.seed)
        model = robust_recipe_network(c, shape, n)
        model.compile(optimizer=keras.optimizers.AdamW(c.learning_rate, weight_decay=c.weight_decay),
                      loss='sparse_categorical_crossentropy', metrics=['accuracy'])
        return model
    (a, b), (c, d) = load_fashion_mnist()
    plain = train(prepare_splits(a, b, c, d), config, verbose=0, build_model=build).epoch_seconds
    return dict(default_recipe=default[-1], robust_network_without_attack=plain[-1])

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--attack', choices=('pgd', 'fgsm'), default='pgd', help="the recipe's training attack (imgdl_train --adversarial)")
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--out', help='default: bench/results/adversarial.json (pgd) or adversarial_fgsm.json')
    parser.add_argument('--keep', help='a new folder to keep the trained runs and attack outputs in (default: a temporary folder)')
    args = parser.parse_args()
    args.out = args.out or str(Path(__file__).parent/'results'/('adversarial.json' if args.attack == 'pgd' else 'adversarial_fgsm.json'))
    if args.keep and Path(args.keep).exists(): sys.exit(f'--keep {args.keep} already exists; name a new folder')
    results = dict(attack=args.attack, machine=f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores", cpu=cpu_description(), goals=GOALS, runs=[])
    save = lambda: Path(args.out).write_text(json.dumps(results, indent=2))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        if args.keep: Path(args.keep).mkdir(parents=True); d = args.keep
        for seed in args.seeds:   # every training first, then the standard epochs: the timed steps run back to back
            run = robust_training(args.attack, seed, Path(d)/f'robust-{seed}'); results['runs'].append(run); save()
            print(f"seed {seed}: clean test accuracy {run['clean_accuracy']:.4f}, training {run['train_seconds']:.0f} s "
                  f"({run['epochs']} epochs, {run['train_seconds'] / run['epochs']:.1f} s each; load {run['load_before'][0]:.2f} -> {run['load_after'][0]:.2f})", flush=True)
        results['epoch_seconds'] = standard_epoch_seconds(args.attack, Path(d)); save()
        for seed, run in zip(args.seeds, results['runs']):
            run['attacks'] = {}
            for name in ATTACKS:
                run['attacks'][name] = attack(Path(d)/f'robust-{seed}'/'model.keras', name, Path(d)/f'attacks-{seed}'); save()
                a = run['attacks'][name]
                print(f"  {name:13s} at ε = 0.1: accuracy {a['accuracy']:.4f}   {a['seconds']:6.0f} s, {a['images_per_second']:,.0f} test images/s", flush=True)
    e, first = results['epoch_seconds'], results['runs'][0]
    robust_epoch = first['train_seconds'] / first['epochs']
    print(f"seconds per epoch: default recipe {e['default_recipe']:.1f}, robust network without attack {e['robust_network_without_attack']:.1f}, "
          f"robust recipe {robust_epoch:.1f} ({robust_epoch / e['robust_network_without_attack']:.2f}x the same network without attack)")
    for run in results['runs']:
        verdict = {'clean_accuracy': run['clean_accuracy'] >= GOALS['clean_accuracy'],
                   'pgd50x5_accuracy': run['attacks']['pgd50x5']['accuracy'] >= GOALS['pgd50x5_accuracy'],
                   'train_seconds': run['train_seconds'] <= GOALS['train_seconds']}
        run['goals_met'] = verdict
        print(f"seed {run['seed']}: clean {run['clean_accuracy']:.4f} (goal {GOALS['clean_accuracy']}: {verdict['clean_accuracy']}), "
              f"PGD-50x5 {run['attacks']['pgd50x5']['accuracy']:.4f} (goal {GOALS['pgd50x5_accuracy']}: {verdict['pgd50x5_accuracy']}), "
              f"training {run['train_seconds']:.0f} s (goal {GOALS['train_seconds']} s: {verdict['train_seconds']})")
    save()

if __name__ == '__main__': main()
