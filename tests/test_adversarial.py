"`imgdl_train --adversarial` and `imgdl_attack` end to end, as a user runs them, and the errors bad input gets."
import json
from pathlib import Path
import numpy as np
import pytest
from conftest import run_command, run_error_cases, ATTACK, SMALL
from imgdl_nb.adversarial import ATTACK_FILES
from imgdl_nb.cli import OUTPUT_FILES

def attack(*args, **kwargs): return run_command(*args, command=ATTACK, **kwargs)

@pytest.fixture(scope='module')
def robust_run(tmp_path_factory):
    "One small run of the robust recipe: (output folder, CompletedProcess, metrics)."
    out = tmp_path_factory.mktemp('robust') / 'run'
    done = run_command(*SMALL, '--max-train-images', '2000', '--adversarial', 'fgsm', '--epsilon', '0.1', '--out', out)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, done, json.loads((out / 'metrics.json').read_text())

def test_adversarial_training_writes_every_output(robust_run):
    out, done, metrics = robust_run
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)
    assert metrics['recipe'] == 'adversarial' and metrics['config']['attack'] == 'fgsm' and metrics['config']['epsilon'] == 0.1
    assert metrics['config']['epochs'] == 1 and metrics['config']['batch_size'] == 128   # given; the rest are the recipe's
    summary = metrics['adversarial']
    assert summary['pgd_test_images'] == 1000 and 0 <= summary['pgd_test_accuracy'] <= metrics['test_accuracy']
    printed = float(done.stdout.split('test accuracy under PGD-20 at ε = 0.1 (1,000 test images): ')[1].split()[0])
    assert abs(printed - summary['pgd_test_accuracy']) < 1e-4
    assert metrics['class_names'][0] == 'T-shirt/top' and len(metrics['history']['val_pgd_accuracy']) == 1

def test_pgd_recipe_trains_the_deeper_network(tmp_path):
    "`--adversarial pgd` without other flags takes the PGD recipe's settings: its attack steps and the two-convolution stages."
    from imgdl_nb.adversarial import robust_recipe_config
    import keras
    out = tmp_path / 'pgd'
    done = run_command(*SMALL, '--max-train-images', '1000', '--max-test-images', '300', '--adversarial', 'pgd', '--out', out)
    assert done.returncode == 0, done.stderr[-3000:]
    config, recipe = json.loads((out / 'metrics.json').read_text())['config'], robust_recipe_config('pgd')
    assert (config['attack'], config['steps'], config['depth'], config['epsilon']) == ('pgd', recipe.steps, recipe.depth, 0.1)
    layers = [l.name for l in keras.models.load_model(out / 'model.keras').layers]
    assert layers[:3] == ['conv1', 'conv1_2', 'pool1'] and recipe.depth == 2

def test_attack_command_end_to_end(robust_run, tmp_path):
    "The curve, the JSON and the gallery from a saved run; the printed accuracy is the stored one; no overwrite."
    run, _, _ = robust_run
    out = tmp_path / 'attack'
    done = attack('--model', run / 'model.keras', '--epsilon', '0,0.05,0.1', '--steps', '5', '--restarts', '2',
                  '--max-test-images', '300', '--out', out)
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir()) == sorted(ATTACK_FILES)   # and no temporary files
    report = json.loads((out / 'robustness.json').read_text())
    assert report['epsilons'] == [0, 0.05, 0.1] and report['images'] == 300 and (report['steps'], report['restarts']) == (5, 2)
    accuracy = report['accuracy']
    assert accuracy[0] >= accuracy[1] >= accuracy[2] and len(report['images_per_second']) == 3
    printed = float(done.stdout.split('at ε = 0.1: ')[1].split()[0])
    assert abs(printed - accuracy[2]) < 1e-4 and 'ε = 0.05' in done.stdout
    for png in ('robustness_curve.png', 'adversarial_gallery.png'): assert (out / png).read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    again = attack('--model', run / 'model.keras', '--max-test-images', '100', '--out', out)
    assert again.returncode == 2 and 'already holds' in again.stderr and '--overwrite' in again.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

def test_fgsm_is_never_stronger_than_pgd(robust_run, tmp_path):
    run, _, _ = robust_run
    reports = {}
    for name in ('fgsm', 'pgd'):
        done = attack('--model', run / 'model.keras', '--attack', name, '--epsilon', '0.1', '--max-test-images', '300', '--out', tmp_path / name, '--quiet')
        assert done.returncode == 0, done.stderr[-3000:]
        reports[name] = json.loads((tmp_path / name / 'robustness.json').read_text())
    assert reports['pgd']['accuracy'][0] <= reports['fgsm']['accuracy'][0]

def save_run(folder, model, metrics):
    "A run folder as imgdl_train writes it: model.keras and metrics.json."
    folder.mkdir(parents=True)
    model.save(folder / 'model.keras')
    (folder / 'metrics.json').write_text(json.dumps(metrics))
    return folder / 'model.keras'

def test_bad_input_gets_one_line_errors(robust_run, tmp_path):
    "ε out of range, a run folder without μ/σ, a model ending in neither softmax nor logits, wrong shapes, labels out of range."
    import keras
    run, _, metrics = robust_run
    good = {'preprocessing': metrics['preprocessing']}
    relu_end = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10, activation='relu')])
    wrong_shape = keras.Sequential([keras.Input((32, 32, 1)), keras.layers.Flatten(), keras.layers.Dense(10, activation='softmax')])
    five_classes = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(5, activation='softmax')])
    cases = [(['--model', run / 'model.keras', '--epsilon', '1.5'], 'epsilon must be in [0, 1]'),
             (['--model', run / 'model.keras', '--epsilon', '-0.1'], 'epsilon must be in [0, 1]'),
             (['--model', run / 'model.keras', '--steps', '0'], '--steps and --restarts must be at least 1'),
             (['--model', run / 'model.keras', '--attack', 'deepfool'], "attack must be 'fgsm' or 'pgd'"),
             (['--model', tmp_path / 'missing' / 'model.keras'], 'no such model file'),
             (['--model', save_run(tmp_path / 'no-stats', relu_end, {'test_accuracy': 0.5})], 'has no preprocessing mean and std'),
             (['--model', save_run(tmp_path / 'relu', relu_end, good)], 'neither a softmax nor linear'),
             (['--model', save_run(tmp_path / 'shape', wrong_shape, good)], 'the model takes (N, 32, 32, 1)'),
             (['--model', save_run(tmp_path / 'five', five_classes, good)], 'expected class indices in [0, 5)')]
    out = tmp_path / 'out'
    results = run_error_cases('imgdl_attack', [[*args, '--max-test-images', '100', '--out', out] for args, _ in cases])
    for (args, message), (code, stderr) in zip(cases, results):
        assert code == 2, (args, stderr[-2000:])
        errors = [l for l in stderr.splitlines() if l.startswith('imgdl_attack: error: ')]
        assert len(errors) == 1 and message in errors[0] and 'Traceback' not in stderr, (message, stderr[-2000:])
        assert not any(out.glob('*.json')) and not any(out.glob('*.png'))   # nothing half-written

def test_adversarial_flags_are_checked(tmp_path):
    cases = [(['--adversarial', 'cw'], "adversarial attack must be 'fgsm' or 'pgd'"),
             (['--adversarial', 'fgsm', '--epsilon', '2'], 'epsilon must be in [0, 1]'),
             (['--epsilon', '0.1'], '--epsilon needs --adversarial'),
             (['--adversarial', 'fgsm', '--recipe', 'best'], 'drop --recipe'),
             (['--adversarial', 'pgd', '--checkpoint-dir', tmp_path / 'ck'], '--adversarial trains in one process')]
    for (args, message), (code, stderr) in zip(cases, run_error_cases('imgdl_train', [[*a, '--out', tmp_path / 'x'] for a, _ in cases])):
        assert code == 2 and message in stderr and 'Traceback' not in stderr, (args, stderr[-2000:])
