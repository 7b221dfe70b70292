"Datasets on disk: bad files refused or skipped, generation resumed after a kill, and `imgdl_train --data` end to end."
import json, os, signal, struct, subprocess, sys, warnings
from pathlib import Path
import numpy as np
import pytest
from conftest import run_command, run_error_cases
from imgdl_nb.large_scale import generate_dataset, DatasetSpec, open_dataset, encode_image, folder_name, shard_name

def png(image): return encode_image(np.asarray(image, np.uint8))

def bomb():
    "A valid small PNG whose header claims 60,000 x 60,000 pixels."
    data = bytearray(png(np.zeros((28, 28))))
    data[16:24] = struct.pack('>II', 60_000, 60_000)
    return bytes(data)

BAD_FILES = {   # kind -> (file name, bytes) placed in a class folder of train/
    'empty': ('empty.png', lambda: b''),
    'truncated': ('cut.png', lambda: png(np.arange(784).reshape(28, 28) % 256)[:-20]),
    'not an image': ('page.jpg', lambda: b'<html>404 Not Found</html>'),
    'too many pixels': ('bomb.png', bomb),
    'unknown extension': ('notes.txt', lambda: b'a note'),
    'mixed channels': ('colour.png', lambda: png(np.zeros((28, 28, 3)))),
}

@pytest.fixture(scope='module')
def folder_dataset(tmp_path_factory):
    "A small image-folder dataset written by the package: 300 train, 60 validation, 100 test images."
    root = tmp_path_factory.mktemp('data') / 'folder'
    generate_dataset(root, DatasetSpec(300, 60, 100, layout='folder'), progress=False)
    return root

def copy_tree(src, dst):
    subprocess.run(['cp', '-r', str(src), str(dst)], check=True)
    return dst

@pytest.mark.parametrize('kind', BAD_FILES)
def test_each_bad_file_is_refused_by_name_or_skipped_and_counted(kind, folder_dataset, tmp_path):
    root = copy_tree(folder_dataset, tmp_path / 'data')
    name, make = BAD_FILES[kind]
    (root / 'train' / folder_name('Bag') / name).write_bytes(make())
    with pytest.raises(ValueError, match=f"bad file .*{name}.*skip bad files"): open_dataset(root)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        dataset = open_dataset(root, skip_bad=True)
    assert dict(dataset.skipped) == {kind: 1} and dataset.count('train') == 300
    assert any('skipped 1 bad files' in str(w.message) for w in caught)

def test_empty_class_folder_is_refused_or_warned(folder_dataset, tmp_path):
    root = copy_tree(folder_dataset, tmp_path / 'data')
    for f in (root / 'test' / folder_name('Bag')).iterdir(): f.unlink()
    with pytest.raises(ValueError, match=r"class folder .*test/Bag is empty"): open_dataset(root)
    with pytest.warns(UserWarning, match='is empty or missing'): assert open_dataset(root, skip_bad=True).count('test') == 90

def test_damaged_shard_is_found_before_training(tmp_path):
    root = tmp_path / 'shards'
    generate_dataset(root, DatasetSpec(200, 20, 20, images_per_part=50), progress=False)
    shard = root / shard_name('train', 2, 4)
    shard.write_bytes(shard.read_bytes()[:1000])
    with pytest.raises(ValueError, match=f"{shard.name}: its SHA-256 differs"): open_dataset(root)
    with pytest.warns(UserWarning, match='1 damaged shard'): assert open_dataset(root, skip_bad=True).count('train') == 150

GENERATE = """import sys
from imgdl_nb.large_scale import generate_dataset, DatasetSpec
generate_dataset(sys.argv[1], DatasetSpec(6000, 0, 0, images_per_part=500), progress=False)"""

# The same job, killed by SIGKILL (no clean-up runs) halfway through writing its fourth shard. It kills itself at that
# point rather than being killed from outside at a moment chosen by polling: on a fast machine all 12 parts can be
# written between two polls, and then there is nothing left to resume.
KILLED_MIDWAY = GENERATE.replace("generate_dataset(", """import os, signal, imgdl_nb.large_scale as large_scale
write_shard = large_scale.write_shard
def write_shard_then_die(path, records):
    if '-00003-of-' not in str(path): return write_shard(path, records)
    def half_then_kill(tmp):
        with large_scale.tf.io.TFRecordWriter(str(tmp)) as writer:
            for record in records[:len(records) // 2]: writer.write(record)
            writer.flush(); os.kill(os.getpid(), signal.SIGKILL)
    large_scale.write_atomically(path, half_then_kill)
large_scale.write_shard = write_shard_then_die
generate_dataset(""", 1)

def test_generation_killed_midway_resumes_to_the_same_dataset(tmp_path):
    env = {**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '3'}
    killed, whole = tmp_path / 'killed', tmp_path / 'whole'
    job = subprocess.run([sys.executable, '-c', KILLED_MIDWAY, str(killed)], env=env, timeout=300)
    assert job.returncode == -signal.SIGKILL
    done_before = json.loads((killed / '.progress.json').read_text())['done']['train']
    assert not (killed / 'manifest.json').exists() and sorted(done_before) == ['0', '1', '2']
    assert (killed / '.train-00003-of-00012.partial.tfrecord').exists()   # the half-written shard, left behind
    for name in ('killed', 'whole'): subprocess.run([sys.executable, '-c', GENERATE, str(tmp_path / name)], env=env, check=True, timeout=300)
    resumed, fresh = (json.loads((p / 'manifest.json').read_text()) for p in (killed, whole))
    assert resumed == fresh   # every shard, count and checksum identical to an uninterrupted run
    assert sorted(p.name for p in killed.iterdir()) == sorted(p.name for p in whole.iterdir())

def test_command_trains_from_shards_and_from_a_folder(folder_dataset, tmp_path):
    shards = tmp_path / 'shards'
    generate_dataset(shards, DatasetSpec(1000, 200, 300, images_per_part=250), progress=False)
    for data in (shards, folder_dataset):
        out = tmp_path / f'run-{data.name}'
        done = run_command('--data', data, '--epochs', '1', '--batch-size', '64', '--quiet', '--out', out)
        assert done.returncode == 0, done.stderr[-3000:]
        metrics = json.loads((out / 'metrics.json').read_text())
        assert sorted(p.name for p in out.iterdir()) == sorted(['model.keras', 'metrics.json', 'training_curves.png', 'confusion_matrix.png', 'mistakes.png'])
        assert f"test accuracy: {metrics['test_accuracy']:.4f}" in done.stdout
        assert metrics['data']['path'] == str(data) and metrics['images']['test'] == {'shards': 300, 'folder': 100}[data.name]

def test_command_names_a_bad_file_and_skips_it_when_asked(folder_dataset, tmp_path):
    root = copy_tree(folder_dataset, tmp_path / 'data')
    (root / 'train' / folder_name('Coat') / 'cut.png').write_bytes(b'\x89PNG\r\n\x1a\n')
    done = run_command('--data', root, '--epochs', '1', '--quiet', '--out', tmp_path / 'run')
    assert done.returncode == 2 and f"imgdl_train: error: bad file {root / 'train' / 'Coat' / 'cut.png'}" in done.stderr, done.stderr[-2000:]
    assert not (tmp_path / 'run').exists()
    done = run_command('--data', root, '--epochs', '1', '--batch-size', '64', '--quiet', '--skip-bad-files', '--out', tmp_path / 'run')
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads((tmp_path / 'run' / 'metrics.json').read_text())['data']['skipped_files'] == {'not an image': 1}

@pytest.mark.parametrize('flags, words', [(['--max-train-images', '100'], 'Fashion-MNIST only'),
                                          (['--checkpoint-dir', 'ck'], 'does not combine with --workers'),
                                          ([], 'no such folder')])
def test_command_refuses_what_data_does_not_support(flags, words, folder_dataset, tmp_path):
    data = tmp_path / 'missing' if not flags else folder_dataset
    done = run_command('--data', data, *flags, '--out', tmp_path / 'run')
    assert done.returncode == 2 and words in done.stderr, done.stderr[-2000:]

def test_best_recipe_trains_from_disk_too(tmp_path):
    shards = tmp_path / 'shards'
    generate_dataset(shards, DatasetSpec(600, 100, 200, images_per_part=200), progress=False)
    done = run_command('--data', shards, '--recipe', 'best', '--epochs', '1', '--batch-size', '64', '--quiet', '--out', tmp_path / 'run')
    assert done.returncode == 0, done.stderr[-3000:]
    metrics = json.loads((tmp_path / 'run' / 'metrics.json').read_text())
    assert metrics['recipe'] == 'best' and metrics['config']['epochs'] == 1 and metrics['images']['test'] == 200

def test_command_reads_the_three_folder_layouts(folder_dataset, tmp_path):
    "Layout (a), one folder per class, split by --test-fraction; (b) train/ + val/, val/ the test split: each named in the first line of output."
    flat = tmp_path / 'flat'
    for split in ('train', 'test'):
        for f in sorted((folder_dataset / split).rglob('*.png')):
            target = flat / f.parent.name / f'{split}-{f.name}'; target.parent.mkdir(parents=True, exist_ok=True); target.write_bytes(f.read_bytes())
    imagenet = tmp_path / 'imagenet'; imagenet.mkdir()
    (imagenet / 'train').symlink_to(folder_dataset / 'train'); (imagenet / 'val').symlink_to(folder_dataset / 'test')
    flat_test = sum(int(round(0.25 * len(list(d.iterdir())))) for d in flat.iterdir())
    for data, flags, folders, words, test_images in [(flat, ['--test-fraction', '0.25'], 'classes', 'one folder per class', flat_test),
                                                     (imagenet, ['--validation-fraction', '0.2'], 'train-val', 'val/ is the test split', 100)]:
        out = tmp_path / f'run-{data.name}'
        done = run_command('--data', data, *flags, '--epochs', '1', '--batch-size', '64', '--out', out)
        assert done.returncode == 0, done.stderr[-3000:]
        first = done.stdout.splitlines()[0]
        assert first.startswith(f'{data}: ') and words in first, first
        metrics = json.loads((out / 'metrics.json').read_text())
        assert metrics['data']['folders'] == folders and metrics['images']['test'] == test_images
    held = sum(int(round(0.2 * len(list(d.iterdir())))) for d in (folder_dataset / 'train').iterdir())   # 20% of each class of train/
    assert json.loads((tmp_path / 'run-imagenet' / 'metrics.json').read_text())['images']['validation'] == held
    mixed = copy_tree(folder_dataset, tmp_path / 'mixed'); (mixed / 'Coat').mkdir()
    cases = [(['--data', mixed, '--out', tmp_path / 'never'], 'mixes split folders with other folders (Coat/). The accepted layouts are (a) root/<class>/<image>'),
             (['--data', flat, '--test-fraction', '1.5', '--out', tmp_path / 'never'], '--test-fraction must be between 0 and 1')]
    for (code, stderr), (_, words) in zip(run_error_cases('imgdl_train', [c for c, _ in cases]), cases):
        assert code == 2 and stderr.startswith('imgdl_train: error: ') and words in stderr and stderr.count('\n') == 1, stderr
    assert not (tmp_path / 'never').exists()

def test_command_trains_on_photographs(tmp_path):
    "RGB JPEGs of mixed sizes in train/ + val/: cropped to --image-size, per-channel statistics, the ResNet above 64 px; bad choices refused."
    from imgdl_nb.large_scale import generate_photo_folder
    from imgdl_nb.data import load_fashion_mnist
    photos = generate_photo_folder(tmp_path / 'photos', n_train=12, n_val=4, sizes=(60, 160), source=load_fashion_mnist())
    turned = sorted((photos / 'train' / 'Bag').iterdir())[0]                     # one photograph stored on its side (EXIF 6)
    from PIL import Image
    exif = Image.new('RGB', (1, 1)).getexif(); exif[0x0112] = 6
    image = Image.open(turned); image.load(); image.save(turned, 'JPEG', exif=exif.tobytes())
    out = tmp_path / 'run'
    done = run_command('--data', photos, '--image-size', '72', '--epochs', '1', '--batch-size', '32', '--out', out)
    assert done.returncode == 0, done.stderr[-3000:]
    first = done.stdout.splitlines()[0]
    assert 'val/ is the test split' in first and 'cropped to 72x72 RGB' in first and 'smaller than that, enlarged' in first, first
    metrics = json.loads((out / 'metrics.json').read_text())
    assert metrics['architecture'] == 'small_resnet' and metrics['data']['image_shape'] == [72, 72, 3] and metrics['data']['photographs']
    assert len(metrics['preprocessing']['mean']) == 3 and metrics['images']['test'] == 40 and (out / 'mistakes.png').exists()
    small = run_command('--data', photos, '--image-size', '48', '--grayscale', '--architecture', 'seed_cnn', '--epochs', '1', '--out', tmp_path / 'gray', '--quiet')
    assert small.returncode == 0, small.stderr[-3000:]
    gray = json.loads((tmp_path / 'gray' / 'metrics.json').read_text())
    assert gray['architecture'] == 'seed_cnn' and gray['data']['image_shape'] == [48, 48, 1] and len(gray['preprocessing']['mean']) == 1
    best = run_command('--recipe', 'best', '--data', photos, '--image-size', '72', '--epochs', '1', '--out', tmp_path / 'best', '--quiet')
    assert best.returncode == 0, best.stderr[-3000:]
    recipe = json.loads((tmp_path / 'best' / 'metrics.json').read_text())
    assert recipe['architecture'] == 'small_resnet' and (recipe['config']['shift'], recipe['config']['flip']) == (0, False)   # the crops replace them
    cases = [(['--data', photos, '--image-size', '4', '--out', tmp_path / 'never'], 'image_size must be between 8 and 1024'),
             (['--data', photos, '--architecture', 'vgg', '--out', tmp_path / 'never'], "architecture must be one of auto, seed_cnn, small_resnet, got 'vgg'"),
             (['--image-size', '64', '--out', tmp_path / 'never'], '--image-size, --grayscale and --architecture apply to --data only')]
    for (code, stderr), (_, words) in zip(run_error_cases('imgdl_train', [c for c, _ in cases]), cases):
        assert code == 2 and stderr.startswith('imgdl_train: error: ') and words in stderr and stderr.count('\n') == 1, stderr
    assert not (tmp_path / 'never').exists()
