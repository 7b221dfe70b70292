"Saved models and repeatability, checked from outside the notebooks."
import json
import numpy as np
import keras
from conftest import run_command, SMALL
from imgdl_nb.data import load_fashion_mnist
from imgdl_nb.preprocess import PixelStats, preprocess_images, prepare_splits, stratified_subset
from imgdl_nb.train import train, TrainConfig, same_weights
from imgdl_nb.evaluate import evaluate_model

def test_keras_file_round_trip_gives_identical_predictions(tmp_path):
    (x, y), (xt, yt) = load_fashion_mnist()
    data = prepare_splits(*stratified_subset(x, y, 2000), xt[:500], yt[:500])
    model = train(data, TrainConfig(epochs=1), verbose=0).model
    model.save(tmp_path / 'model.keras')
    loaded = keras.models.load_model(tmp_path / 'model.keras')
    assert np.array_equal(model.predict(data.x_test, verbose=0), loaded.predict(data.x_test, verbose=0))
    assert same_weights(model, loaded)

def test_saved_command_model_reproduces_its_metrics(small_run):
    "A user reloads model.keras, preprocesses with the saved statistics, and gets the reported accuracy."
    out, _, metrics = small_run
    (_, _), (test_images, test_labels) = load_fashion_mnist()
    test_images, test_labels = stratified_subset(test_images, test_labels, 1000, metrics['config']['seed'])
    model = keras.models.load_model(out / 'model.keras')
    x = preprocess_images(test_images, PixelStats(**metrics['preprocessing']))
    assert evaluate_model(model, x, test_labels).accuracy == metrics['test_accuracy']

def test_same_seed_same_weights_across_processes(small_run, tmp_path):
    out, _, metrics = small_run
    again = run_command(*SMALL, '--out', tmp_path / 'again')
    assert again.returncode == 0, again.stderr[-2000:]
    first, second = (keras.models.load_model(p / 'model.keras') for p in (out, tmp_path / 'again'))
    assert same_weights(first, second)
    assert json.loads((tmp_path / 'again' / 'metrics.json').read_text())['history'] == metrics['history']

def test_another_seed_gives_other_weights(small_run, tmp_path):
    out, _, _ = small_run
    other = run_command(*SMALL, '--seed', '1', '--out', tmp_path / 'other')
    assert other.returncode == 0, other.stderr[-2000:]
    assert not same_weights(keras.models.load_model(out / 'model.keras'), keras.models.load_model(tmp_path / 'other' / 'model.keras'))
