"`imgdl_generate` end to end: the three generators on a small RGB image folder, sampling from a saved run, the measured Fashion-MNIST run, and the errors bad input gets."
import json
from pathlib import Path
import numpy as np
import pytest
from conftest import installed, run_command, run_error_cases
from imgdl_nb.large_scale import encode_image
from imgdl_nb.generation import GENERATE_FILES, SAMPLE_FILES

GENERATE = installed('imgdl_generate')
def generate(*args, **kwargs): return run_command(*args, command=GENERATE, **kwargs)

def rgb_folder(root:Path, per_class:int=80, size:int=32, seed:int=0)->Path:
    "train/<class>/*.png: red squares and blue discs at random places on a gray background, RGB."
    rng, yy, xx = np.random.default_rng(seed), *np.mgrid[:size, :size]
    for name, colour in (('red squares', (220, 40, 40)), ('blue discs', (40, 60, 220))):
        folder = root / 'train' / name; folder.mkdir(parents=True)
        for i in range(per_class):
            image = np.full((size, size, 3), 128, np.uint8)
            cy, cx, r = rng.integers(8, size - 8, 2).tolist() + [int(rng.integers(4, 8))]
            inside = (abs(yy - cy) <= r) & (abs(xx - cx) <= r) if name == 'red squares' else (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
            image[inside] = colour
            (folder / f'{i:04d}.png').write_bytes(encode_image(image))
    return root

@pytest.fixture(scope='module')
def faces(tmp_path_factory): return rgb_folder(tmp_path_factory.mktemp('rgb') / 'shapes')

@pytest.fixture(scope='module')
def diffusion_run(faces, tmp_path_factory):
    out = tmp_path_factory.mktemp('runs') / 'diffusion'
    done = generate('--data', faces, '--model', 'diffusion', '--epochs', '2', '--steps', '5', '--quiet', '--out', out)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, done

@pytest.mark.parametrize('kind', ['vae', 'gan'])
def test_each_generator_trains_on_an_rgb_folder(kind, faces, tmp_path):
    out = tmp_path / kind
    done = generate('--data', faces, '--model', kind, '--epochs', '1', '--quiet', '--out', out)
    assert done.returncode == 0, done.stderr[-3000:]
    check_run(out, kind)

def check_run(out:Path, kind:str):
    assert sorted(p.name for p in out.iterdir()) == sorted(GENERATE_FILES)
    metrics = json.loads((out / 'metrics.json').read_text())
    assert metrics['model'] == kind and metrics['data']['image_shape'] == [32, 32, 3] and metrics['data']['images'] == 160
    assert sorted(metrics['class_names']) == ['blue discs', 'red squares'] and 'measured' not in metrics
    assert metrics['parameters'] > 0 and all(np.isfinite(v).all() for v in metrics['history'].values())

def test_diffusion_trains_on_an_rgb_folder_and_samples_one_class(diffusion_run, tmp_path):
    out, done = diffusion_run
    check_run(out, 'diffusion')
    assert f"saved {', '.join(GENERATE_FILES)} to {out}" in done.stdout
    sampled = generate('--from', out, '--samples', '6', '--class', '1', '--guidance', '2', '--steps', '4', '--out', tmp_path / 'blue')
    assert sampled.returncode == 0, sampled.stderr[-3000:]
    assert sorted(p.name for p in (tmp_path / 'blue').iterdir()) == sorted(SAMPLE_FILES)
    made = np.load(tmp_path / 'blue' / 'samples.npz')
    assert made['images'].shape == (6, 32, 32, 3) and made['images'].dtype == np.uint8 and set(made['labels']) == {1}
    report = json.loads((tmp_path / 'blue' / 'sampling.json').read_text())
    assert (report['model'], report['guidance'], report['steps'], report['class_index']) == ('diffusion', 2.0, 4, 1)
    again = generate('--from', out, '--samples', '6', '--class', '1', '--guidance', '2', '--steps', '4', '--out', tmp_path / 'blue')
    assert again.returncode == 2 and 'already holds' in again.stderr and '--overwrite' in again.stderr

def test_fashion_mnist_run_is_measured(tmp_path):
    out = tmp_path / 'vae'
    done = generate('--model', 'vae', '--epochs', '1', '--max-train-images', '1000', '--measure', '500', '--out', out)
    assert done.returncode == 0, done.stderr[-3000:]
    measured = json.loads((out / 'metrics.json').read_text())['measured']
    assert measured['samples'] == 500 and 0 < measured['floor'] < measured['frechet_distance'] and 0 <= measured['conditional_accuracy'] <= 1
    assert f"Fréchet distance {measured['frechet_distance']:.2f}" in done.stdout

def test_bad_input_gets_a_one_line_error(diffusion_run, faces, tmp_path):
    small, odd = rgb_folder(tmp_path / 'small', per_class=40), rgb_folder(tmp_path / 'odd', per_class=80, size=30)
    run, _ = diffusion_run
    cases = [(['--model', 'flow'], "--model must be one of vae, gan, diffusion, got 'flow'"),
             (['--from', run, '--class', '2'], '--class 2 is out of range: this generator knows classes 0 to 1'),
             (['--from', run, '--guidance', '-1'], '--guidance must be 0 or more'),
             (['--model', 'gan', '--guidance', '-0.5'], '--guidance must be 0 or more'),
             (['--data', small], '80 training images are too few to train a generator on; at least 128 are needed'),
             (['--data', odd], 'the images are 30×30; the generators need a height and width divisible by 4'),
             (['--data', tmp_path / 'nowhere'], 'no such folder'),
             (['--from', tmp_path], 'no generator.keras and metrics.json there'),
             (['--from', run, '--samples', '0'], '--samples must be at least 1')]
    results = run_error_cases('imgdl_generate', [[*args, '--out', tmp_path / 'x'] for args, _ in cases])
    for (args, message), (code, stderr) in zip(cases, results):
        assert code == 2 and message in stderr and 'Traceback' not in stderr, (args, stderr[-2000:])
        assert len(stderr.strip().splitlines()) == 1 and stderr.startswith('imgdl_generate: error: '), stderr
    assert not (tmp_path / 'x').exists()   # bad input writes nothing
