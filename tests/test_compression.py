"`imgdl_compress` end to end, as a user runs it on a run folder of `imgdl_train`, and the errors bad input gets."
import json
from pathlib import Path
import numpy as np
import pytest
from conftest import run_command, run_error_cases, installed
from imgdl_nb.compression import COMPRESS_FILES

COMPRESS = installed('imgdl_compress')
def compress(*args, **kwargs): return run_command(*args, command=COMPRESS, **kwargs)

@pytest.fixture
def trained_run(small_run):
    "The output folder of conftest's small `imgdl_train` run."
    return small_run[0]

def test_compress_command_end_to_end(trained_run, tmp_path):
    "The pruned model, the int8 file, the JSON and the figure; the printed numbers are the stored ones; no overwrite."
    import keras
    from imgdl_nb.compression import LiteModel, sparsity
    out = tmp_path / 'compressed'
    done = compress('--model', trained_run / 'model.keras', '--sparsity', '0.75', '--epochs', '1', '--max-train-images', '2000',
                    '--max-test-images', '500', '--out', out)
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir()) == sorted(COMPRESS_FILES)   # and no temporary files
    report = json.loads((out / 'compression.json').read_text())
    assert (report['sparsity'], report['quantization'], report['train_images'], report['test_images']) == (0.75, 'int8', 2000, 500)
    original, compressed = report['variants'][0], report['variants'][-1]
    assert compressed['quantization'] == 'int8' and abs(compressed['sparsity'] - 0.75) < 2e-3
    assert compressed['.tflite gzip bytes'] * 5 < original['.tflite bytes']
    printed = float(done.stdout.split('compressed ')[1].split()[0])
    assert abs(printed - compressed['test accuracy']) < 1e-4 and abs(compressed['test accuracy'] - original['test accuracy']) < 0.05
    pruned = keras.models.load_model(out / 'pruned.keras')                 # a plain Keras model: no custom objects
    assert abs(sparsity(pruned) - 0.75) < 2e-3
    lite = LiteModel((out / 'compressed.tflite').read_bytes())
    assert lite.input['dtype'] == np.int8 and lite.predict(np.zeros((3, 28, 28, 1), 'float32')).shape == (3, 10)
    assert (out / 'accuracy_vs_size.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    again = compress('--model', trained_run / 'model.keras', '--max-train-images', '500', '--max-test-images', '100', '--out', out)
    assert again.returncode == 2 and 'already holds' in again.stderr and '--overwrite' in again.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

def test_quantize_only_float16(trained_run, tmp_path):
    "--sparsity 0 quantizes without pruning; float16 halves the float32 file."
    out = tmp_path / 'float16'
    done = compress('--model', trained_run / 'model.keras', '--sparsity', '0', '--quantize', 'float16', '--max-train-images', '500',
                    '--max-test-images', '300', '--out', out, '--quiet')
    assert done.returncode == 0, done.stderr[-3000:]
    variants = json.loads((out / 'compression.json').read_text())['variants']
    assert variants[-1]['sparsity'] < 0.01 and 0.45 < variants[-1]['.tflite bytes'] / variants[0]['.tflite bytes'] < 0.55

def test_bad_input_gets_one_line_errors(trained_run, tmp_path):
    "Sparsity out of range, an unknown quantization, no μ/σ in the run folder, a missing model: exit status 2, one line, nothing written."
    no_stats = tmp_path / 'no-stats'; no_stats.mkdir()
    (no_stats / 'model.keras').write_bytes((trained_run / 'model.keras').read_bytes())
    (no_stats / 'metrics.json').write_text(json.dumps({'test_accuracy': 0.9}))
    model = ['--model', trained_run / 'model.keras', '--max-train-images', '300', '--max-test-images', '100', '--out', tmp_path / 'never']
    cases = [(model + ['--sparsity', '1.0'], 'sparsity must be in [0, 1)'),
             (model + ['--sparsity', '-0.1'], 'sparsity must be in [0, 1)'),
             (model + ['--quantize', 'int4'], 'quantization must be one of float32, dynamic, float16, int8'),
             (model + ['--representative-images', '0'], 'representative images must be between 1 and 10,000'),
             (['--model', no_stats / 'model.keras'], 'has no preprocessing mean and std'),
             (['--model', tmp_path / 'missing' / 'model.keras'], 'no such model file'),
             ([], '--model is required')]
    for (code, stderr), (_, message) in zip(run_error_cases('imgdl_compress', [c for c, _ in cases]), cases):
        assert code == 2 and stderr.startswith('imgdl_compress: error: ') and message in stderr and stderr.count('\n') == 1, (message, code, stderr)
    assert not (tmp_path / 'never').exists()

def test_representative_set_is_checked():
    "The library call refuses a representative set of the wrong shape or of raw pixels, before converting anything."
    import keras
    from imgdl_nb.compression import to_tflite
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10, activation='softmax')])
    with pytest.raises(ValueError, match=r'the model takes \(N, 28, 28, 1\)'): to_tflite(model, 'int8', np.zeros((10, 32, 32, 1)))
    with pytest.raises(ValueError, match='looks like raw pixels'): to_tflite(model, 'int8', np.random.default_rng(0).uniform(size=(10, 28, 28, 1)))
    assert len(to_tflite(model, 'int8', np.random.default_rng(0).normal(size=(20, 28, 28, 1)))) > 0
