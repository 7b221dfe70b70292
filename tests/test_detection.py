"`imgdl_detect` end to end (train, detect in a folder, score a COCO file), our mAP against pycocotools, and the errors bad input gets."
import contextlib, io, json
import numpy as np
import pytest
from conftest import run_command, run_error_cases, installed
from imgdl_nb.detection import DETECT_FILES, APPLY_FILES, EVALUATE_FILES

DETECT = installed('imgdl_detect')
def detect(*args, **kwargs): return run_command(*args, command=DETECT, **kwargs)

@pytest.fixture(scope='module')
def detector_run(tmp_path_factory):
    "A tiny training run of the installed command: (output folder, CompletedProcess)."
    out = tmp_path_factory.mktemp('detect') / 'run'
    done = detect('--canvases', '512', '--epochs', '1', '--test-canvases', '30', '--out', out)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, done

def test_training_writes_model_metrics_figures_and_a_coco_test_set(detector_run):
    "What the training run prints and writes; its test set is COCO that pycocotools reads; metrics agree with a re-scoring."
    coco = pytest.importorskip('pycocotools.coco')
    out, done = detector_run
    assert done.stdout.startswith('training a detector on 512 canvases for 1 epochs')
    assert 'mAP@[.5:.95]' in done.stdout.splitlines()[-2] and done.stdout.splitlines()[-1].startswith('saved model.keras')
    written = sorted(str(p.relative_to(out)) for p in out.rglob('*') if p.is_file() and 'images' not in p.parts)
    assert written == sorted(DETECT_FILES)                                  # and no temporary files
    assert len(list((out / 'test' / 'images').iterdir())) == 30
    metrics = json.loads((out / 'metrics.json').read_text())
    assert 0 <= metrics['map'] <= metrics['ap50'] <= 1 and metrics['canvases_per_second'] > 0 and metrics['config']['canvases'] == 512
    with contextlib.redirect_stdout(io.StringIO()): truth = coco.COCO(str(out / 'test' / 'annotations.json'))
    assert len(truth.getImgIds()) == 30 and len(truth.getCatIds()) == 10
    scored = detect('--model', out / 'model.keras', '--annotations', out / 'test' / 'annotations.json', '--out', out.parent / 'scored', '--quiet')
    assert scored.returncode == 0, scored.stderr[-3000:]
    assert sorted(p.name for p in (out.parent / 'scored').iterdir()) == sorted(EVALUATE_FILES)
    assert abs(json.loads((out.parent / 'scored' / 'evaluation.json').read_text())['map'] - metrics['map']) < 1e-9

def test_detect_in_a_folder_of_images_of_any_size(detector_run, tmp_path):
    "PNG and JPEG, gray and colour, of different sizes: COCO detections in each image's own pixels, drawn PNGs, no overwrite."
    from PIL import Image
    out, _ = detector_run
    photos = tmp_path / 'photos'; photos.mkdir()
    canvas = np.asarray(Image.open(out / 'test' / 'images' / '000001.png'))
    Image.fromarray(np.pad(canvas, ((0, 21), (5, 0)))).save(photos / 'tall.png')          # 101 x 117: not divisible by 8
    Image.fromarray(canvas).convert('RGB').save(photos / 'colour.jpg')
    (photos / 'notes.txt').write_text('not an image, and not read')
    found = tmp_path / 'found'
    done = detect('--model', out / 'model.keras', '--images', photos, '--out', found, '--score-threshold', '0.01')
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(p.name for p in found.iterdir()) == sorted(APPLY_FILES)
    result = json.loads((found / 'detections.json').read_text())
    assert [(i['file_name'], i['width'], i['height']) for i in result['images']] == [('colour.jpg', 96, 96), ('tall.png', 101, 117)]
    sizes = {i['id']: (i['width'], i['height']) for i in result['images']}
    for a in result['annotations']:
        x, y, w, h = a['bbox']; width, height = sizes[a['image_id']]
        assert 0 <= x and 0 <= y and x + w <= width + 1e-6 and y + h <= height + 1e-6 and 0.01 <= a['score'] <= 1
    assert sorted(p.name for p in (found / 'drawn').iterdir()) == ['colour.png', 'tall.png']
    before = (found / 'detections.json').read_bytes()
    again = detect('--model', out / 'model.keras', '--images', photos, '--out', found)
    assert again.returncode == 2 and 'already holds' in again.stderr and (found / 'detections.json').read_bytes() == before

def test_bad_input_gets_one_line_errors(detector_run, tmp_path):
    "Annotation files that are not COCO, boxes outside the image or of zero area, an unlisted image, bad flags: exit 2, one line, nothing written."
    out, _ = detector_run
    original = json.loads((out / 'test' / 'annotations.json').read_text())
    def damaged(name, change):
        "A copy of the run's COCO test set (beside a link to its images) with `change` applied to the dict, or with text instead."
        coco = json.loads(json.dumps(original)); text = change(coco)
        path = tmp_path / f'{name}.json'; path.write_text(text if isinstance(text, str) else json.dumps(coco)); return path
    (tmp_path / 'images').symlink_to(out / 'test' / 'images')
    unlisted = damaged('unlisted', lambda c: c.update(images=c['images'][:-1], annotations=[a for a in c['annotations'] if a['image_id'] != 30]))
    model = ['--model', out / 'model.keras', '--out', tmp_path / 'never']
    cases = [(model + ['--annotations', damaged('text', lambda c: 'images: 1')], 'is not COCO JSON: it is not valid JSON'),
             (model + ['--annotations', damaged('list', lambda c: '[]')], 'is not COCO JSON: it holds a list'),
             (model + ['--annotations', damaged('nocats', lambda c: c.pop('categories'))], "no 'categories' list"),
             (model + ['--annotations', damaged('outside', lambda c: c['annotations'][0].update(bbox=[-2.0, 3.0, 10.0, 10.0]))], 'lies outside its 96×96 image'),
             (model + ['--annotations', damaged('zero', lambda c: c['annotations'][1].update(bbox=[5.0, 3.0, 10.0, 0.0]))], 'box [5.0, 3.0, 10.0, 0.0] has zero area'),
             (model + ['--annotations', unlisted], '000030.png has no entry in'),
             (model + ['--annotations', damaged('orphan', lambda c: c['annotations'][0].update(image_id=77))], 'refers to image 77'),
             (model + ['--images', tmp_path / 'nowhere'], 'is not a folder'),
             (model + ['--images', out / 'test', '--annotations', out / 'test' / 'annotations.json'], 'give one of --images'),
             (['--annotations', out / 'test' / 'annotations.json'], 'need --model'),
             (['--epochs', '0', '--out', tmp_path / 'never'], '--epochs must be at least 1'),
             (['--canvases', '10', '--out', tmp_path / 'never'], '--canvases (10) must be at least --batch-size (64)'),
             (['--learning-rate', '-1', '--out', tmp_path / 'never'], '--learning-rate must be positive')]
    for (code, stderr), (_, message) in zip(run_error_cases('imgdl_detect', [c for c, _ in cases]), cases):
        assert code == 2 and stderr.startswith('imgdl_detect: error: ') and message in stderr and stderr.count('\n') == 1, (message, code, stderr)
    assert not (tmp_path / 'never').exists()

def test_map_matches_pycocotools_on_imperfect_detections():
    "Jittered, dropped, relabelled, duplicated and invented boxes with tied scores: every AP within 1e-3 of COCOeval (in fact ~1e-15)."
    coco = pytest.importorskip('pycocotools.coco'); cocoeval = pytest.importorskip('pycocotools.cocoeval')
    from imgdl_nb.data import load_fashion_mnist
    from imgdl_nb.detection import make_canvases, average_precisions, detection_report, coco_annotations, Detections, xywh
    (_, _), (test_images, test_labels) = load_fashion_mnist()
    truth = make_canvases(test_images, test_labels, 300, seed=5)
    rng = np.random.default_rng(1)
    found = []
    for i in range(len(truth)):
        boxes, classes = truth.items(i)
        corner = rng.uniform(0, 60, (2, 2))                                    # two invented boxes of 20 x 25 pixels
        boxes = np.concatenate([boxes + rng.normal(0, 3, boxes.shape), np.concatenate([corner, corner + [20, 25]], 1)])
        classes = np.concatenate([np.where(rng.random(len(classes)) < 0.2, rng.integers(0, 10, len(classes)), classes), rng.integers(0, 10, 2)])
        found.append(Detections(boxes.astype(np.float32), rng.random(len(boxes)).round(1), classes))
    ours = detection_report(average_precisions(truth, found))
    results = [dict(image_id=i + 1, category_id=int(c) + 1, bbox=xywh(b).tolist(), score=float(s)) for i, d in enumerate(found) for b, s, c in zip(*d)]
    with contextlib.redirect_stdout(io.StringIO()):
        reference = coco.COCO(); reference.dataset = coco_annotations(truth, [f'{i}.png' for i in range(len(truth))]); reference.createIndex()
        evaluation = cocoeval.COCOeval(reference, reference.loadRes(results), 'bbox'); evaluation.evaluate(); evaluation.accumulate(); evaluation.summarize()
    np.testing.assert_allclose([ours['map'], ours['ap50'], ours['ap75']], evaluation.stats[:3], atol=1e-3)
