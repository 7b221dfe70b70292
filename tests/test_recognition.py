"`imgdl_explain` end to end on a run folder of `imgdl_train`, the verification metrics against scikit-learn, and the errors bad input gets."
import json
from pathlib import Path
import numpy as np
import pytest
from conftest import run_command, run_error_cases, installed
from imgdl_nb.recognition import EXPLAIN_FILES

EXPLAIN = installed('imgdl_explain')
def explain(*args, **kwargs): return run_command(*args, command=EXPLAIN, **kwargs)

@pytest.fixture
def trained_run(small_run):
    "The output folder of conftest's small `imgdl_train` run."
    return small_run[0]

def png_file(path:Path, pixels:np.ndarray)->Path:
    "Write uint8 pixels (H, W, C) as a PNG file."
    import tensorflow as tf
    path.write_bytes(tf.io.encode_png(np.asarray(pixels, np.uint8)).numpy()); return path

def test_explain_a_test_image_and_an_image_file(trained_run, tmp_path):
    "A test-split index and an RGB file of the right size: the PNG and JSON, what was printed, and no overwrite."
    from imgdl_nb.data import load_fashion_mnist, CLASS_NAMES
    out = tmp_path / 'gradcam'
    done = explain('--model', trained_run / 'model.keras', '--image', '17', '--out', out)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith('explaining Fashion-MNIST test image 17 with gradcam')
    assert sorted(p.name for p in out.iterdir()) == sorted(EXPLAIN_FILES)   # and no temporary files
    report = json.loads((out / 'explanation.json').read_text())
    (_, _), (test_images, test_labels) = load_fashion_mnist()
    assert (report['method'], report['layer'], report['true_class']) == ('gradcam', 'conv2', CLASS_NAMES[test_labels[17]])
    assert report['explained_class'] == report['predicted_class'] and 0.1 <= report['probability'] <= 1 and report['map_max'] >= 0
    assert (out / 'explanation.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    rgb = png_file(tmp_path / 'boot.png', np.repeat(test_images[0][..., None], 3, axis=2))   # a colour file of a grayscale item
    by_file = explain('--model', trained_run / 'model.keras', '--image', rgb, '--method', 'ig', '--explain-class', '9', '--out', tmp_path / 'ig', '--quiet')
    assert by_file.returncode == 0, by_file.stderr[-3000:]
    report = json.loads((tmp_path / 'ig' / 'explanation.json').read_text())
    assert (report['image'], report['explained_class_index'], report['true_class'], report['layer']) == (str(rgb), 9, None, None)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    again = explain('--model', trained_run / 'model.keras', '--image', '3', '--out', out)
    assert again.returncode == 2 and 'already holds' in again.stderr and '--overwrite' in again.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert explain('--model', trained_run / 'model.keras', '--image', '3', '--out', out, '--overwrite', '--quiet').returncode == 0

def test_a_mirror_averaged_model_is_explained_through_its_network(tmp_path):
    "06's best recipe wraps its network in mirror averaging (a nested model); the command explains the network inside."
    import keras
    from imgdl_nb.generalization import regularized_cnn, with_mirror_averaging
    run = tmp_path / 'run'; run.mkdir()
    keras.utils.set_random_seed(0)
    with_mirror_averaging(regularized_cnn(batch_norm=True)).save(run / 'model.keras')
    (run / 'metrics.json').write_text(json.dumps({'preprocessing': {'mean': 0.29, 'std': 0.35}}))
    done = explain('--model', run / 'model.keras', '--image', '5', '--method', 'smoothgrad', '--out', tmp_path / 'out', '--quiet')
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads((tmp_path / 'out' / 'explanation.json').read_text())['method'] == 'smoothgrad'

def test_bad_input_gets_one_line_errors(trained_run, tmp_path):
    "A layer that is not a convolution, images of the wrong shape, range or kind, bad flags: exit status 2, one line, nothing written."
    small = png_file(tmp_path / 'small.png', np.zeros((20, 20, 1)))
    (tmp_path / 'notes.png').write_text('not an image')
    model = ['--model', trained_run / 'model.keras', '--out', tmp_path / 'never']
    cases = [(model + ['--image', '4', '--layer', 'dense'], "layer 'dense' is a Dense, not a convolution"),
             (model + ['--image', '4', '--layer', 'conv7'], "has no layer 'conv7'"),
             (model + ['--image', small], 'is 20x20 pixels with 1 channel(s), but the model takes 28x28 with 1'),
             (model + ['--image', tmp_path / 'notes.png'], 'is not a PNG, JPEG, GIF or BMP image'),
             (model + ['--image', tmp_path / 'missing.png'], 'is neither a test-split index nor an existing image file'),
             (model + ['--image', '10000'], 'out of range: the test split has images 0 to 9999'),
             (model + ['--image', '4', '--method', 'lime'], '--method must be one of saliency, smoothgrad, ig, gradcam'),
             (model + ['--image', '4', '--explain-class', '12'], '--explain-class must be between 0 and 9'),
             (model, '--image is required'),
             (['--image', '4'], '--model is required')]
    for (code, stderr), (_, message) in zip(run_error_cases('imgdl_explain', [c for c, _ in cases]), cases):
        assert code == 2 and stderr.startswith('imgdl_explain: error: ') and message in stderr and stderr.count('\n') == 1, (message, code, stderr)
    assert not (tmp_path / 'never').exists()

def test_library_refuses_bad_images_and_too_large_k():
    "Pixels outside [0, 1], the wrong shape, and more enrollment examples than a class has."
    from imgdl_nb.models import seed_cnn
    from imgdl_nb.recognition import explain as explain_maps, enrollment
    model = seed_cnn()
    with pytest.raises(ValueError, match=r'pixel values must lie in \[0, 1\], got 0 to 255'): explain_maps(model, np.full((1, 28, 28, 1), 255.) * np.eye(28)[None, :, :, None], [0])
    with pytest.raises(ValueError, match=r'images have shape \(1, 28, 28\)'): explain_maps(model, np.zeros((1, 28, 28)), [0])
    with pytest.raises(ValueError, match='k = 6 examples asked for class 1, but it has 5'): enrollment(np.array([0] * 9 + [1] * 5), 6)

def test_verification_metrics_match_scikit_learn():
    "ROC points, AUC and TAR at FAR = 1e-3 on 20,000 scores with ties, against scikit-learn's `roc_curve` and `roc_auc_score`."
    metrics = pytest.importorskip('sklearn.metrics')
    from imgdl_nb.recognition import roc_points, roc_auc, tar_at_far, equal_error_rate
    rng = np.random.default_rng(0)
    same = rng.random(20_000) < 0.2
    scores = np.round(rng.normal(same * 1.5, 1.), 2)                       # ties, as cosine scores rounded to 2 digits
    far, tar, thresholds = roc_points(same, scores)
    sk_far, sk_tar, sk_thresholds = metrics.roc_curve(same, scores, drop_intermediate=False)
    np.testing.assert_allclose(far, sk_far, atol=1e-12); np.testing.assert_allclose(tar, sk_tar, atol=1e-12)
    np.testing.assert_array_equal(thresholds, sk_thresholds)
    assert abs(roc_auc(far, tar) - metrics.roc_auc_score(same, scores)) < 1e-9
    default_far, default_tar, _ = metrics.roc_curve(same, scores)            # the default drops collinear points: the same TAR at FAR = 1e-3
    assert tar_at_far(far, tar, 1e-3) == default_tar[default_far <= 1e-3].max()
    eer = equal_error_rate(far, tar)
    i = np.argmin(np.abs(sk_far - (1 - sk_tar)))
    assert abs(eer - sk_far[i]) < 0.01 and abs(eer - (1 - sk_tar[i])) < 0.01
