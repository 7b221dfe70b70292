"""Issue 15's goals, measured: does the margin-loss (ArcFace) embedding beat the plain classifier's features on classes
never seen in training — verification AUC and 5-shot accuracy, mean over 3 seeds and 2 choices of held-out classes —
with TAR at FAR = 1e-3 for both? ArcFace's scale s and margin m are chosen first on *validation classes*: two of the
seen classes are held out again, the candidates train on the other five, and are scored on those two with training
images only. No test image is used until the choice is made. Also: Integrated Gradients' completeness error at
256 steps (the default), and the explanation methods' deletion/insertion areas, on the course's measuring classifier.

    python bench/recognition.py                 # 19 minutes on the 2-core development machine; writes bench/results/recognition.json
    python bench/recognition.py --quick         # a smoke run: 1 epoch, 1 seed, 1 choice, 2 candidates
"""
import argparse, json, os, time
from pathlib import Path
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
import numpy as np
from imgdl_nb.data import load_fashion_mnist
from imgdl_nb.preprocess import scale_pixels
from imgdl_nb.generation import feature_classifier
from imgdl_nb.recognition import (HELD_OUT_CHOICES, train_recognizer, recognition_report, compare_recognizers,
                                  summarize_comparison, integrated_gradients, class_scores, logit_model, faithfulness_table,
                                  cascading_randomization)

CANDIDATES = [(s, m) for s in (16., 32., 64.) for m in (0.05, 0.1, 0.3)]   # ArcFace (scale, margin) candidates

def validation_scores(held_out, candidates, epochs:int, seed:int=0)->list:
    "Train ArcFace on 5 of the 7 seen classes per candidate; score 5-shot accuracy and AUC on the other 2, training images only."
    (images, labels), _ = load_fashion_mnist()
    x = scale_pixels(images)[..., None]
    seen_classes = [c for c in range(10) if c not in held_out]
    validation_classes = tuple(int(c) for c in np.random.default_rng(seed).choice(seen_classes, 2, replace=False))
    train_mask = np.isin(labels, seen_classes) & ~np.isin(labels, validation_classes)
    val_idx = np.flatnonzero(np.isin(labels, validation_classes))
    half = np.random.default_rng(seed + 1).permutation(val_idx)            # enrollment pool | queries, both from the training split
    pool, queries = half[:len(half) // 2], half[len(half) // 2:]
    rows = []
    for scale, margin in candidates:
        r = train_recognizer(x[train_mask], labels[train_mask], 'arcface', epochs=epochs, scale=scale, margin=margin, seed=seed)
        rep = recognition_report(r.embedder, x[pool], labels[pool], x[queries], labels[queries], shots=(5,), seed=seed)
        rows.append(dict(scale=scale, margin=margin, validation_classes=list(validation_classes), auc=rep['auc'], five_shot=rep['5_shot_accuracy']))
        print(f"  s = {scale:g}, m = {margin:g}: validation AUC {rep['auc']:.4f}, 5-shot {rep['5_shot_accuracy']:.4f} ({r.seconds:.0f} s)", flush=True)
    return rows

def explanation_numbers(n_images:int)->dict:
    "IG completeness at the default 256 steps and the faithfulness table on the measuring classifier (trained once, cached)."
    (_, _), (test_images, _) = load_fashion_mnist()
    classifier = feature_classifier()
    x = scale_pixels(test_images[:n_images])[..., None]
    predicted = classifier.predict(x, verbose=0).argmax(1)
    logits = logit_model(classifier)
    gap = np.abs(class_scores(logits(x[:100]), predicted[:100]).numpy() - class_scores(logits(0 * x[:100]), predicted[:100]).numpy())
    _, errors = integrated_gradients(classifier, x[:100], predicted[:100])   # the default 256 steps
    table = faithfulness_table(classifier, x, predicted)
    sanity = {m: cascading_randomization(classifier, x[:200], predicted[:200], m)['conv1'] for m in ('saliency', 'smoothgrad', 'ig', 'gradcam')}
    return dict(ig_max_relative_completeness_error=float(np.max(np.abs(errors) / gap)), images=n_images,
                methods={k: {c: v for c, v in row.items() if not c.endswith('curve') and c != 'fractions'} | {'rank_correlation_random_model': sanity.get(k)}
                         for k, row in table.items()})

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true'); parser.add_argument('--out', default='bench/results/recognition.json')
    args = parser.parse_args()
    epochs, seeds, choices = (1, (0,), HELD_OUT_CHOICES[:1]) if args.quick else (10, (0, 1, 2), HELD_OUT_CHOICES)
    candidates = CANDIDATES[:2] if args.quick else CANDIDATES
    start = time.time()
    print(f'choosing ArcFace s and m on validation classes (held out {choices[0]}, seed 0):', flush=True)
    validation = validation_scores(choices[0], candidates, epochs)
    best = max(validation, key=lambda r: r['auc'] + r['five_shot'])
    print(f"chosen: s = {best['scale']:g}, m = {best['margin']:g}", flush=True)
    rows = compare_recognizers(choices, seeds, epochs, scale=best['scale'], margin=best['margin'])
    summary = summarize_comparison(rows)
    for loss, values in summary.items():
        print(f"{loss:>8}: " + ', '.join(f'{k} {m:.4f} ± {s:.4f}' for k, (m, s) in values.items()))
    goals = dict(auc=summary['arcface']['auc'][0] > summary['softmax']['auc'][0],
                 five_shot=summary['arcface']['5_shot_accuracy'][0] > summary['softmax']['5_shot_accuracy'][0])
    print(f"goal: ArcFace beats classifier features on unseen-class AUC: {goals['auc']}; on 5-shot accuracy: {goals['five_shot']}")
    explanations = explanation_numbers(200 if args.quick else 1000)
    print(f"IG completeness at the default 256 steps: largest relative error {explanations['ig_max_relative_completeness_error']:.2%}")
    for name, row in explanations['methods'].items():
        print(f"  {name:<11} deletion {row['deletion_auc']:.3f}, insertion {row['insertion_auc']:.3f}, ρ vs random model {row['rank_correlation_random_model']}")
    result = dict(machine=os.uname().nodename, seconds=time.time() - start, epochs=epochs, seeds=list(seeds), held_out_choices=[list(c) for c in choices],
                  validation=validation, chosen=dict(scale=best['scale'], margin=best['margin']), rows=rows,
                  summary={loss: {k: dict(mean=m, std=s) for k, (m, s) in v.items()} for loss, v in summary.items()}, goals=goals, explanations=explanations)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(f'wrote {args.out} in {time.time() - start:.0f} s')

if __name__ == '__main__': main()
