"""The detection goal: mAP@0.5 >= 0.80 and mAP@[.5:.95] >= 0.50 on 1,000 test canvases after <= 15 minutes of training.

    python bench/detection.py [--seeds 0 1] [--out bench/results/detection.json]

Each seed runs the installed `imgdl_detect` command in its own process with `DetectorConfig`'s defaults (30,000
training canvases drawn from Fashion-MNIST's training split, 6 epochs); the command scores the detector on 1,000 test
canvases drawn from the test split only (seed 10,000 + seed), with the package's COCO mAP. This script then recomputes
mAP@[.5:.95] and mAP@0.5 with pycocotools' COCOeval on the same detections (the command's test set, written as COCO
JSON, and the saved model's detections on it) and records both, the training time (`model.fit` only), the whole
command's wall time, inference speed (canvases/s through network, decoding and NMS, batches of 100) and the load
average. Prints one line per seed and the mean; writes everything to --out as JSON."""
import argparse, contextlib, io, json, os, platform, shutil, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).parent))
from machine import cpu_description

GOALS = dict(ap50=0.80, map=0.50, train_seconds=900)

def pycocotools_check(folder:Path)->dict:
    "mAP@[.5:.95] and mAP@0.5 of the saved detector on the run's own test set, computed by pycocotools' COCOeval."
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    from imgdl_nb.evaluate import read_run
    from imgdl_nb.detection import read_coco, detect, xywh
    run = read_run(folder/'model.keras'); truth, _ = read_coco(folder/'test'/'annotations.json')
    found = detect(run.model, truth.images, run.stats)
    results = [dict(image_id=i + 1, category_id=int(c) + 1, bbox=xywh(b).tolist(), score=float(s)) for i, d in enumerate(found) for b, s, c in zip(*d)]
    with contextlib.redirect_stdout(io.StringIO()):
        reference = COCO(str(folder/'test'/'annotations.json'))
        evaluation = COCOeval(reference, reference.loadRes(results), 'bbox'); evaluation.evaluate(); evaluation.accumulate(); evaluation.summarize()
    return dict(map=float(evaluation.stats[0]), ap50=float(evaluation.stats[1]), ap75=float(evaluation.stats[2]))

def run_seed(seed:int, work:Path)->dict:
    "One `imgdl_detect` run in a fresh process; its metrics, the pycocotools check and timings."
    folder = work/f'seed{seed}'; load = os.getloadavg(); start = time.perf_counter()
    done = subprocess.run([shutil.which('imgdl_detect', path=str(Path(sys.executable).parent)) or 'imgdl_detect', '--seed', str(seed), '--out', str(folder), '--quiet'], capture_output=True, text=True)
    if done.returncode: sys.exit(f'imgdl_detect failed for seed {seed}:\n{done.stderr[-2000:]}')
    wall = time.perf_counter() - start
    m = json.loads((folder/'metrics.json').read_text())
    return dict(seed=seed, map=m['map'], ap50=m['ap50'], ap75=m['ap75'], ap50_per_class=m['ap50_per_class'], train_seconds=m['train_seconds'],
                command_seconds=wall, canvases_per_second=m['canvases_per_second'], pycocotools=pycocotools_check(folder),
                config=m['config'], load_before=load, load_after=os.getloadavg(), loss=m['loss'])

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    parser.add_argument('--out', default=str(Path(__file__).parent/'results'/'detection.json'))
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as work:
        for seed in args.seeds:
            r = run_seed(seed, Path(work)); runs.append(r)
            print(f"seed {seed}: mAP@[.5:.95] {r['map']:.4f} (pycocotools {r['pycocotools']['map']:.4f}), mAP@0.5 {r['ap50']:.4f} "
                  f"({r['pycocotools']['ap50']:.4f}); training {r['train_seconds']:.0f} s, command {r['command_seconds']:.0f} s; "
                  f"{r['canvases_per_second']:.0f} canvases/s; load {r['load_before'][0]:.1f} -> {r['load_after'][0]:.1f}", flush=True)
    mean = {k: float(np.mean([r[k] for r in runs])) for k in ('map', 'ap50', 'ap75', 'train_seconds', 'canvases_per_second')}
    spread = {k: float(np.std([r[k] for r in runs], ddof=1)) if len(runs) > 1 else 0.0 for k in ('map', 'ap50')}
    met = {'ap50': all(r['ap50'] >= GOALS['ap50'] for r in runs), 'map': all(r['map'] >= GOALS['map'] for r in runs),
           'train_seconds': all(r['train_seconds'] <= GOALS['train_seconds'] for r in runs)}
    print(f"mean over {len(runs)} seeds: mAP@[.5:.95] {mean['map']:.4f} ± {spread['map']:.4f} (goal {GOALS['map']}), "
          f"mAP@0.5 {mean['ap50']:.4f} ± {spread['ap50']:.4f} (goal {GOALS['ap50']}), training {mean['train_seconds']:.0f} s (limit {GOALS['train_seconds']}); "
          f"goals met on every seed: {met}")
    result = dict(goals=GOALS, met=met, mean=mean, spread=spread, runs=runs, machine=f'{platform.machine()}, {os.cpu_count()} cores',
                  cpu=cpu_description(), command='python bench/detection.py --seeds ' + ' '.join(map(str, args.seeds)))
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(f'wrote {args.out}')

if __name__ == '__main__': main()
