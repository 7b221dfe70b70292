"""Peak memory of streaming N vs 10 N images from disk: it must stay flat (issue: at most +10%).

    python bench/stream_memory.py [--base 60000] [--factor 10] [--layouts tfrecord folder] [--repeats 3] [--train] [--work /tmp/imgdl-bench]

Writes each dataset once with the package's generator (resumable; kept in --work for later runs), then streams every
image of its training split through the package's pipeline (read, decode, normalize, shuffle, batch, prefetch) in a
fresh process per run, and prints images, seconds, images/s and the process's peak resident memory (ru_maxrss).
Peak RSS of identical runs varies by up to ~10% between processes (thread timing, allocator arenas), so each size is
run --repeats times, alternating, and the medians are compared.
With --train, the stream feeds one epoch of the seed CNN instead of only being read."""
import argparse, json, os, resource, subprocess, sys, time
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
from pathlib import Path

def child(root:str, train:bool)->dict:
    "Stream one dataset in this process; report count, time and peak RSS."
    from imgdl_nb.large_scale import open_dataset, split_pipeline, disk_pixel_stats, pipeline_speed, train_from_disk
    from imgdl_nb.train import TrainConfig
    dataset = open_dataset(root)
    stats = disk_pixel_stats(dataset)
    start = time.perf_counter()
    if train: n = dataset.count('train'); train_from_disk(dataset, stats, TrainConfig(epochs=1), verbose=0)
    else: n = pipeline_speed(split_pipeline(dataset, "train", stats, 256, shuffle=True))["images"]
    seconds = time.perf_counter() - start
    return dict(images=n, seconds=seconds, images_per_second=n / seconds, peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)

def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--base', type=int, default=60_000); parser.add_argument('--factor', type=int, default=10)
    parser.add_argument('--layouts', nargs='+', default=['tfrecord', 'folder']); parser.add_argument('--train', action='store_true')
    parser.add_argument('--repeats', type=int, default=3); parser.add_argument('--work', default='/tmp/imgdl-bench'); parser.add_argument('--child'); parser.add_argument('--child-train', action='store_true')
    args = parser.parse_args()
    if args.child: print(json.dumps(child(args.child, args.child_train))); return
    from imgdl_nb.large_scale import generate_dataset, DatasetSpec
    roots = {}
    for layout in args.layouts:
        for n in (args.base, args.base * args.factor):
            roots[layout, n] = root = Path(args.work)/f'{layout}-{n}'
            start = time.perf_counter()
            generate_dataset(root, DatasetSpec(n_train=n, n_validation=6_000, n_test=0, layout=layout, images_per_part=max(1_000, n // 32)), progress=False)
            print(f"{layout:9s} {n:>9,} images ready in {time.perf_counter() - start:.0f} s (written now, or found from an earlier run)", flush=True)
    rows = []
    for repeat in range(args.repeats):   # alternate sizes, so that drift on a shared machine affects both alike
        for (layout, n), root in roots.items():
            done = subprocess.run([sys.executable, __file__, '--child', str(root)] + (['--child-train'] if args.train else []),
                                  capture_output=True, text=True)
            if done.returncode: sys.exit(done.stderr[-3000:])
            rows.append(r := dict(layout=layout, n=n, **json.loads(done.stdout.strip().splitlines()[-1])))
            print(f"{layout:9s} {r['images']:>9,} images  {r['seconds']:7.1f} s  {r['images_per_second']:8,.0f} images/s  "
                  f"peak RSS {r['peak_rss_mib']:7,.0f} MiB", flush=True)
    for layout in args.layouts:
        small, large = (sorted(r['peak_rss_mib'] for r in rows if r['layout'] == layout and r['n'] == n) for n in (args.base, args.base * args.factor))
        median = lambda v: v[len(v) // 2]
        print(f"{layout}: {args.factor}x the images -> median peak RSS {median(small):,.0f} -> {median(large):,.0f} MiB, "
              f"x{median(large) / median(small):.3f} (largest of {args.repeats} runs: {small[-1]:,.0f} -> {large[-1]:,.0f} MiB)")

if __name__ == '__main__': main()
