"""Exploratory, after bench/recognition.py missed its goal: do other ArcFace settings close the gap to the classifier's
features? One held-out choice (Pullover, Sandal, Bag), seed 0, 10 epochs; verification on the first 1,000 held-out test
images. These runs look at the held-out test images, so they choose nothing: they only show how far the best settings
get. The README quotes them as such.

    python bench/recognition_margins.py       # about 4 minutes on the 2-core development machine; writes bench/results/recognition_margins.json
"""
import json, os, time
from pathlib import Path
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
from imgdl_nb.data import load_fashion_mnist
from imgdl_nb.preprocess import scale_pixels
from imgdl_nb.generation import features
from imgdl_nb.recognition import split_classes, train_recognizer, few_shot_accuracy, verification_report

SETTINGS = [('softmax', None, None), ('arcface', 64., 0.05), ('arcface', 64., 0.3), ('arcface', 16., 0.), ('arcface', 32., 0.)]

def main():
    (images, labels), (test_images, test_labels) = load_fashion_mnist()
    x, x_test = scale_pixels(images)[..., None], scale_pixels(test_images)[..., None]
    (seen, unseen), (_, test_unseen) = split_classes(labels), split_classes(test_labels)
    rows, start = [], time.time()
    for loss, scale, margin in SETTINGS:
        kw = dict(scale=scale, margin=margin) if loss == 'arcface' else {}
        r = train_recognizer(x[seen], labels[seen], loss, epochs=10, seed=0, **kw)
        pool, queries = features(r.embedder, x[unseen]), features(r.embedder, x_test[test_unseen])
        five = float(few_shot_accuracy(pool, labels[unseen], queries, test_labels[test_unseen], 5).mean())
        auc = verification_report(queries[:1000], test_labels[test_unseen][:1000])['auc']
        rows.append(dict(loss=loss, scale=scale, margin=margin, five_shot=five, auc=auc, seconds=r.seconds))
        print(f"{loss:>8} s={scale} m={margin}: 5-shot {five:.4f}, AUC {auc:.4f} ({r.seconds:.0f} s)", flush=True)
    out = Path('bench/results/recognition_margins.json')
    out.write_text(json.dumps(dict(held_out=[2, 5, 8], seed=0, epochs=10, rows=rows, seconds=time.time() - start), indent=1))
    print(f'wrote {out}')

if __name__ == '__main__': main()
