"""JPEG photographs at 160 and 224 pixels: what decoding costs, what the pipeline delivers, what training consumes.

    python bench/jpeg_decode.py [--images 3000] [--passes 3] [--work /tmp/imgdl-bench] [--out bench/results/jpeg_decode.json]

For each training resolution S in (160, 224), writes --images photo-like JPEGs (07's generate_photo_folder, quality 90)
whose heights and widths are drawn from S/0.875 to 2S/0.875 pixels (256-512 for S = 224, about ImageNet's usual size),
kept in --work. Then, in this one process, on the training images (the best of --passes passes each, clock and CPU time):

- decode only: tf.io.decode_jpeg of whole images whose bytes are in memory, on all cores (the decode-only limit);
- crop in decoder (memory): the training view (random-resized crop via decode_and_crop_jpeg, resize, flip) from memory;
- pipeline: the training pipeline from the files (read, crop in the decoder, resize, flip, batch, normalize);
- pipeline, decode then crop: the same, decoding whole images first;
- pipeline, evaluation view: centre crops;
- training the small ResNet (06, ImageNet stem) on the training view held in memory: images/s and CPU-us per image.

Also decodes real photographs -- scikit-image's colour sample photographs, when scikit-image is installed -- as JPEGs of
quality 90 and reports CPU-ms per megapixel next to the generated JPEGs', to check that the generated ones cost what
real ones do. Prints a table and the ratio the issue asks for: pipeline / decode-only limit (goal >= 0.80).

Stored: bench/results/jpeg_decode.json (AMD EPYC with AVX-512, before the pipeline normalized with whole-image arrays),
jpeg_decode_amd_epyc_avx2_before.json and jpeg_decode_amd_epyc_avx2.json (an AMD EPYC with AVX2 only, before and
after that change; `--out` names the file)."""
import argparse, json, os, time, sys
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from machine import cpu_description

SAMPLE_PHOTOGRAPHS = ('astronaut', 'chelsea', 'coffee', 'rocket', 'hubble_deep_field', 'retina')   # the colour photographs bundled with scikit-image

def real_photographs()->dict:
    "scikit-image's colour sample photographs, re-encoded as JPEG (quality 90): name -> bytes; {} without scikit-image."
    try: from skimage import data
    except ImportError: return {}
    import io
    from PIL import Image
    photos = {}
    for name in SAMPLE_PHOTOGRAPHS:
        buffer = io.BytesIO(); Image.fromarray(getattr(data, name)()).convert('RGB').save(buffer, 'JPEG', quality=90)
        photos[name] = buffer.getvalue()
    return photos

def decode_ms_per_megapixel(encoded:list, repeats:int=5)->float:
    "CPU-ms per megapixel of decoding whole JPEGs one after another (best of `repeats`)."
    import tensorflow as tf
    pixels = sum(int(tf.reduce_prod(tf.image.extract_jpeg_shape(e)[:2])) for e in encoded)
    best = float('inf')
    for _ in range(repeats):
        cpu = time.process_time()
        for e in encoded: tf.io.decode_jpeg(e, channels=3)
        best = min(best, time.process_time() - cpu)
    return best * 1e3 / (pixels / 1e6)

def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--images', type=int, default=3000); parser.add_argument('--passes', type=int, default=3)
    parser.add_argument('--work', default='/tmp/imgdl-bench'); parser.add_argument('--out', default='bench/results/jpeg_decode.json')
    args = parser.parse_args()
    import numpy as np, tensorflow as tf
    from imgdl_nb.data import load_fashion_mnist, write_atomically
    from imgdl_nb.train import TrainConfig
    from imgdl_nb.model_selection import flops_per_image
    from imgdl_nb.large_scale import (generate_photo_folder, open_dataset, disk_pixel_stats, split_pipeline, decode_costs,
                                      training_cost, compiled_small_resnet, CENTRE_FRACTION)
    source = load_fashion_mnist()
    result = {'machine': f"{cpu_description()}, {os.cpu_count()} cores", 'load_before': list(os.getloadavg()),
              'images': args.images, 'passes': args.passes, 'sizes': {}}
    generated = []
    for size in (160, 224):
        sides = (round(size / CENTRE_FRACTION), round(2 * size / CENTRE_FRACTION))
        root = Path(args.work)/f'photos-{size}-{args.images}'
        if not root.exists(): generate_photo_folder(root, n_train=args.images // 10, n_val=1, sizes=sides, seed=size, source=source)
        dataset = open_dataset(root, image_size=size)
        stats = disk_pixel_stats(dataset, max_images=1000)
        files = dataset.splits['train']
        encoded = [Path(f).read_bytes() for f in files]
        generated += encoded[:300]
        megapixels = np.mean([int(np.prod(tf.image.extract_jpeg_shape(e).numpy()[:2])) for e in encoded]) / 1e6
        stages = decode_costs(dataset, stats, passes=args.passes)
        x, y = map(np.concatenate, zip(*[(a.numpy(), b.numpy()) for a, b in split_pipeline(dataset, 'train', stats, 256, True, augment=True).take(4)]))
        model = compiled_small_resnet(TrainConfig(), dataset.image_shape, 10, 10)
        training = training_cost(model, x, y) | {'mflop_per_image': flops_per_image(model) / 1e6, 'images': len(x)}
        ratio = stages['pipeline']['images_per_second'] / stages['decode only (memory)']['images_per_second']
        result['sizes'][str(size)] = {'source_sides': list(sides), 'mean_megapixels': float(megapixels), 'stages': stages,
                                      'training': training, 'pipeline_vs_decode_only': ratio}
        print(f"\nS = {size}: {len(files):,} JPEGs of {sides[0]}-{sides[1]} px (mean {megapixels:.3f} MP), best of {args.passes} passes")
        print(f"{'stage':30s} {'images/s':>9s} {'CPU us/image':>13s}")
        for name, c in stages.items(): print(f"{name:30s} {c['images_per_second']:9,.0f} {c['cpu_us_per_image']:13,.0f}")
        print(f"{'training the small ResNet':30s} {training['images_per_second']:9,.0f} {training['cpu_us_per_image']:13,.0f}  ({training['mflop_per_image']:.0f} MFLOP/image)")
        print(f"pipeline / decode-only limit: {ratio:.2f} (goal >= 0.80: {'met' if ratio >= 0.8 else 'missed'})")
    real = real_photographs()
    result['real_photographs'] = {'names': list(real), 'generated_ms_per_megapixel': decode_ms_per_megapixel(generated),
                                  'real_ms_per_megapixel': decode_ms_per_megapixel(list(real.values())) if real else None,
                                  'real_megapixels': {n: int(np.prod(tf.image.extract_jpeg_shape(e).numpy()[:2])) / 1e6 for n, e in real.items()}}
    r = result['real_photographs']
    print(f"\ndecoding whole JPEGs one at a time, CPU-ms per megapixel: generated {r['generated_ms_per_megapixel']:.2f}, "
          + (f"real {r['real_ms_per_megapixel']:.2f} ({', '.join(real)})" if real else "real: scikit-image is not installed"))
    result['load_after'] = list(os.getloadavg())
    write_atomically(Path(args.out), lambda p: Path(p).write_text(json.dumps(result, indent=1)))
    print(f"wrote {args.out}")

if __name__ == '__main__': main()
