"The `imgdl_train` command end to end, as a user runs it."
import hashlib, json
from pathlib import Path
import numpy as np
from conftest import run_command, run_error_cases, SMALL
from imgdl_nb.cli import OUTPUT_FILES
from imgdl_nb.data import find_fashion_mnist, ALL_FILES

def digest(folder): return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(Path(folder).iterdir())}

def test_small_run_writes_every_output(small_run):
    out, done, metrics = small_run
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)   # and no temporary files left over
    assert 'test accuracy: ' in done.stdout
    printed = float(done.stdout.split('test accuracy: ')[1].split()[0])
    assert abs(printed - metrics['test_accuracy']) < 1e-4
    assert metrics['images'] == {'train': 2700, 'validation': 300, 'test': 1000}
    assert 0.6 < metrics['test_accuracy'] <= 1
    assert set(metrics['per_class']) == {'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt',
                                         'Sneaker', 'Bag', 'Ankle boot'}
    assert metrics['config']['batch_size'] == 128 and metrics['config']['epochs'] == 1
    assert metrics['recipe'] == 'seed' and metrics['config']['learning_rate'] == 4e-3   # not given: the seed recipe's
    for png in ('training_curves.png', 'confusion_matrix.png', 'mistakes.png'):
        assert (out / png).read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'

def test_existing_results_are_not_overwritten(small_run):
    out, _, _ = small_run
    before = digest(out)
    done = run_command(*SMALL, '--out', out)
    assert done.returncode == 2
    assert 'already holds' in done.stderr and '--overwrite' in done.stderr
    assert 'Traceback' not in done.stderr
    assert digest(out) == before

def test_overwrite_when_asked(tmp_path):
    out = tmp_path / 'run'; out.mkdir(); (out / 'metrics.json').write_text('{"old": true}')
    (out / 'notes.txt').write_text('mine')
    done = run_command(*SMALL, '--max-train-images', '1000', '--out', out, '--overwrite')
    assert done.returncode == 0, done.stderr[-2000:]
    assert 'test_accuracy' in json.loads((out / 'metrics.json').read_text())
    assert (out / 'notes.txt').read_text() == 'mine'   # files that are not ours are left alone

def test_default_output_folder_is_new(tmp_path):
    "Without --out, each run gets a new folder under ./runs and earlier runs are left alone."
    earlier = tmp_path / 'runs' / 'fashion-mnist-earlier'; earlier.mkdir(parents=True)
    (earlier / 'metrics.json').write_text('{"mine": true}')
    done = run_command(*SMALL, '--max-train-images', '600', '--max-test-images', '100', cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    new = [p for p in (tmp_path / 'runs').iterdir() if p != earlier]
    assert len(new) == 1 and sorted(p.name for p in new[0].iterdir()) == sorted(OUTPUT_FILES)
    assert (earlier / 'metrics.json').read_text() == '{"mine": true}'

def test_damaged_dataset_file_is_named(tmp_path):
    source = find_fashion_mnist()
    for name in ALL_FILES: (tmp_path / name).write_bytes((source / name).read_bytes())
    damaged = tmp_path / 'train-labels-idx1-ubyte.gz'
    damaged.write_bytes(damaged.read_bytes()[:-10])
    done = run_command(*SMALL, '--out', tmp_path / 'out', env={'IMGDL_DATA': str(tmp_path)})
    assert done.returncode == 2
    assert 'Checksum mismatch' in done.stderr and 'train-labels-idx1-ubyte.gz' in done.stderr
    assert not (tmp_path / 'out' / 'model.keras').exists()

def test_bad_settings_give_one_line_errors(tmp_path):
    cases = [(['--batch-size', '0'], 'batch_size must be at least 1'),
             (['--precision', 'fp8'], "precision must be"),
             (['--lr-schedule', 'step'], "lr_schedule must be"),
             (['--recipe', 'fancy'], "recipe must be 'seed' or 'best', got 'fancy'"),
             (['--recipe', 'best', '--checkpoint-dir', tmp_path / 'ck'], '--recipe best trains in one process without checkpoints')]
    for (args, message), (code, stderr) in zip(cases, run_error_cases('imgdl_train', [[*a, '--out', tmp_path / 'x'] for a, _ in cases])):
        assert code == 2 and message in stderr and 'Traceback' not in stderr, (args, stderr[-2000:])
    done = run_command('--batch-size', '0', '--out', tmp_path / 'x')   # and once through the installed script itself
    assert done.returncode == 2 and done.stderr.strip().splitlines()[-1].startswith('imgdl_train: error: batch_size must be at least 1'), done.stderr[-2000:]

def test_best_recipe_small_run(tmp_path):
    "--recipe best end to end on a small subset: every output, the recipe and its defaults recorded, the model loads."
    import keras, imgdl_nb.model_selection   # registers the recipe's custom layers and OneCycle for loading
    out = tmp_path / 'best'
    done = run_command(*SMALL, '--recipe', 'best', '--out', out)
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)
    metrics = json.loads((out / 'metrics.json').read_text())
    assert metrics['recipe'] == 'best' and metrics['config']['architecture'] == 'bn_cnn'
    assert metrics['config']['epochs'] == 1 and metrics['config']['batch_size'] == 128   # given on the command line
    assert metrics['config']['lr_schedule'] == 'one-cycle' and metrics['config']['learning_rate'] == 5e-3   # the recipe's
    assert metrics['images'] == {'train': 2700, 'validation': 300, 'test': 1000} and 0.3 < metrics['test_accuracy'] <= 1
    assert metrics['config']['mirror_average'] is True
    model = keras.models.load_model(out / 'model.keras')
    x = np.random.default_rng(0).normal(size=(2, 28, 28, 1)).astype(np.float32)
    assert model.predict(x, verbose=0).shape == (2, 10)
    np.testing.assert_allclose(model.predict(x[:, :, ::-1], verbose=0), model.predict(x, verbose=0), atol=1e-6)   # mirror-averaged

def test_help_lists_the_flags():
    done = run_command('--help')
    assert done.returncode == 0
    for flag in ('--recipe', '--epochs', '--batch_size', '--seed', '--out', '--overwrite'): assert flag in done.stdout

def test_default_recipe_reaches_90_percent(tmp_path):
    "The main job with its defaults (5 epochs on all the data), as README's quick start runs it."
    done = run_command('--out', tmp_path / 'full', '--quiet')
    assert done.returncode == 0, done.stderr[-3000:]
    metrics = json.loads((tmp_path / 'full' / 'metrics.json').read_text())
    assert metrics['images'] == {'train': 54000, 'validation': 6000, 'test': 10000}
    assert metrics['test_accuracy'] >= 0.90, metrics['test_accuracy']
