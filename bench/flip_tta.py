"""Test accuracy of a saved run with and without horizontal-flip test-time augmentation (TTA).

    python bench/flip_tta.py RUN_FOLDER [RUN_FOLDER ...]

RUN_FOLDER is an `imgdl_train` output folder (model.keras + metrics.json). The test images are preprocessed with the
run's own mu/sigma; the TTA prediction averages the class probabilities of each image and its mirror image (a flip keeps
every Fashion-MNIST class). Prints plain and TTA accuracy and the run's training seconds."""
import json, os, sys
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
import numpy as np, keras
import imgdl_nb.model_selection   # registers the recipe's custom layers and schedule for loading
from imgdl_nb.data import load_fashion_mnist
from imgdl_nb.preprocess import preprocess_images, PixelStats

def flip_tta(folder:str)->dict:
    "Plain and flip-TTA test accuracy of one run folder."
    metrics = json.loads(open(os.path.join(folder, 'metrics.json')).read())
    (_, _), (images, labels) = load_fashion_mnist()
    x = preprocess_images(images, PixelStats(**metrics['preprocessing']))
    model = keras.models.load_model(os.path.join(folder, 'model.keras'))
    plain = model.predict(x, batch_size=1024, verbose=0)
    mirrored = model.predict(x[:, :, ::-1], batch_size=1024, verbose=0)
    return dict(plain=float((plain.argmax(1) == labels).mean()), tta=float(((plain + mirrored).argmax(1) == labels).mean()),
                reported=metrics['test_accuracy'], train_seconds=float(sum(metrics['epoch_seconds'])))

if __name__ == '__main__':
    for folder in sys.argv[1:]:
        r = flip_tta(folder)
        print(f"{folder}: test accuracy {r['plain']:.4f} (metrics.json: {r['reported']:.4f}), with flip TTA {r['tta']:.4f}; "
              f"{r['train_seconds']:.0f} s of training")
