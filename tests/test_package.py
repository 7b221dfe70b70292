"Imports, the course's dependency order, and clear errors from the public functions."
import ast, importlib
from pathlib import Path
import numpy as np
import pytest
import imgdl_nb

SPINE = ['data', 'preprocess', 'models', 'train', 'evaluate']
LATER = ['generalization', 'model_selection', 'large_scale', 'distributed', 'adversarial', 'compression', 'generation', 'recognition', 'detection', 'cli']   # in order: each may import the spine and the later topics before it

def imported_modules(name):
    "The imgdl_nb modules that module `name` imports."
    tree = ast.parse(Path(imgdl_nb.__file__).with_name(f'{name}.py').read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith('imgdl_nb.'): found.add(node.module.split('.')[1])
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module: found.add(node.module.split('.')[0])  # nbdev writes `from .data import`
        if isinstance(node, ast.Import): found |= {a.name.split('.')[1] for a in node.names if a.name.startswith('imgdl_nb.')}
    return found

@pytest.mark.parametrize('name', SPINE + LATER)
def test_module_imports(name): importlib.import_module(f'imgdl_nb.{name}')

def test_spine_imports_only_earlier_modules():
    for i, name in enumerate(SPINE): assert imported_modules(name) <= set(SPINE[:i]), name

def test_later_topics_import_only_the_spine_or_each_other():
    for i, name in enumerate(LATER): assert imported_modules(name) <= set(SPINE + LATER[:i]), name
    assert imported_modules('large_scale') <= set(SPINE + ['model_selection'])   # photographs train 06's small ResNet
    assert imported_modules('distributed') <= set(SPINE + ['large_scale'])
    assert {'large_scale', 'distributed'} <= imported_modules('cli')
    assert imported_modules('generalization') <= set(SPINE) and imported_modules('model_selection') <= set(SPINE + ['generalization'])
    assert imported_modules('adversarial') <= set(SPINE + ['generalization']) and 'adversarial' in imported_modules('cli')
    assert imported_modules('detection') <= set(SPINE)   # detection needs only the spine

def test_public_api():
    from imgdl_nb.data import load_fashion_mnist, CLASS_NAMES
    from imgdl_nb.train import train, TrainConfig
    from imgdl_nb.models import seed_cnn
    assert len(CLASS_NAMES) == 10 and seed_cnn().count_params() == 225_034
    assert isinstance(imgdl_nb.__version__, str)

def test_missing_files_say_where_and_how(tmp_path):
    from imgdl_nb.data import find_fashion_mnist
    with pytest.raises(FileNotFoundError) as e: find_fashion_mnist([tmp_path / 'a', tmp_path / 'b'])
    assert str(tmp_path / 'a') in str(e.value) and str(tmp_path / 'b') in str(e.value)
    assert 'apt-get install dataset-fashion-mnist' in str(e.value) and 'IMGDL_DATA' in str(e.value)

def test_wrong_images_and_labels_say_expected_and_got():
    from imgdl_nb.preprocess import prepare_splits
    images, labels = np.zeros((20, 28, 28), np.uint8), np.arange(20) % 10
    with pytest.raises(ValueError, match=r'expected dtype uint8, got float32'):
        prepare_splits(images.astype('float32'), labels, images, labels)
    with pytest.raises(ValueError, match=r'expected 3 dimensions .* got shape \(20, 28, 28, 3\)'):
        prepare_splits(np.zeros((20, 28, 28, 3), np.uint8), labels, images, labels)
    with pytest.raises(ValueError, match=r'test_labels: expected class indices in \[0, 10\), got 12'):
        prepare_splits(images, labels, images, np.where(labels == 3, 12, labels))
    with pytest.raises(ValueError, match=r'expected 20 labels'):
        prepare_splits(images, labels[:5], images, labels)

def test_labels_out_of_range_stop_training_before_it_starts():
    from imgdl_nb.preprocess import PreparedData, PixelStats
    from imgdl_nb.train import train, TrainConfig
    x = np.zeros((8, 28, 28, 1), np.float32)
    data = PreparedData(x, np.array([0, 1, 2, 3, 4, 5, 6, 10]), x, np.zeros(8, int), x, np.zeros(8, int), PixelStats(0., 1.))
    with pytest.raises(ValueError, match=r'y_train: expected class indices in \[0, 10\), got 10 at position 7'):
        train(data, TrainConfig(epochs=1), verbose=0)
