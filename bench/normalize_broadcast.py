"""Per-channel normalization in tf.data: broadcasting a 3-number vector over every pixel vs whole-image arrays.

    python bench/normalize_broadcast.py [--images 2000] [--rounds 7] [--out bench/results/normalize_broadcast.json]

07's photo pipeline normalizes each S x S x 3 image in its parallel map as x * a + b. Written with the per-channel
numbers a_c = 1 / (255 sigma_c), b_c = -mu_c / sigma_c (shape (3,)), TensorFlow broadcasts them over every pixel;
written with `normalization_maps` (a and b as whole (S, S, 3) arrays), it multiplies arrays of the same shape. For
S = 160 and 224 this times both (and, for scale, a copy of the image and a left-right flip) on one float32 image at a
time in a tf.data map (no parallel calls), rounds alternating; prints the median microseconds per image and the ratio."""
import argparse, json, os, time, sys
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from machine import cpu_description

def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--images', type=int, default=2000); parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--out', default='bench/results/normalize_broadcast.json')
    args = parser.parse_args()
    import numpy as np, tensorflow as tf
    from imgdl_nb.data import write_atomically
    from imgdl_nb.preprocess import PixelStats
    from imgdl_nb.large_scale import normalization_maps
    stats = PixelStats(np.float32([0.48, 0.46, 0.41]), np.float32([0.23, 0.22, 0.23]))
    a, b = 1 / (255 * stats.std), -stats.mean / stats.std
    result = {'machine': f"{cpu_description()}, {os.cpu_count()} cores", 'load_before': list(os.getloadavg()), 'sizes': {}}
    for size in (160, 224):
        image = tf.constant(np.random.default_rng(size).uniform(0, 255, (size, size, 3)).astype('float32'))
        scale, offset = normalization_maps(stats, (size, size, 3))
        def copy(x): return tf.identity(x)
        def flip(x): return tf.reverse(x, [1])
        def broadcast(x): return x * a + b
        def arrays(x): return x * scale + offset
        ways = {'copy': copy, 'flip': flip, 'broadcast (3,)': broadcast, 'whole-image arrays': arrays}
        times = {name: [] for name in ways}
        for _ in range(args.rounds):
            for name, way in ways.items():
                ds = tf.data.Dataset.from_tensors(image).repeat(args.images).map(lambda x, way=way: way(x)[0, 0, 0]).batch(100)
                start = time.perf_counter()
                for _ in ds: pass
                times[name].append((time.perf_counter() - start) / args.images * 1e6)
        medians = {name: float(np.median(t)) for name, t in times.items()}
        net = {name: medians[name] - medians['copy'] for name in ('broadcast (3,)', 'whole-image arrays')}
        result['sizes'][str(size)] = {'us_per_image': medians, 'ranges': {n: [min(t), max(t)] for n, t in times.items()},
                                      'broadcast_over_arrays': net['broadcast (3,)'] / net['whole-image arrays']}
        print(f"S = {size}: " + ', '.join(f"{n} {v:.0f} us" for n, v in medians.items())
              + f"; beyond the copy, broadcasting costs {result['sizes'][str(size)]['broadcast_over_arrays']:.1f}x the whole-image arrays", flush=True)
    result['load_after'] = list(os.getloadavg())
    write_atomically(Path(args.out), lambda p: Path(p).write_text(json.dumps(result, indent=1)))
    print(f"wrote {args.out}")

if __name__ == '__main__': main()
