"""Input pipelines from disk vs in memory: read+decode alone, and training the seed CNN fed by each.

    python bench/pipeline_speed.py [--images 54000] [--epochs 3] [--work /tmp/imgdl-bench]

Writes Fashion-MNIST's 54,000 training images (+ 6,000 validation) once per layout with the package's generator
(kept in --work): an image folder of PNG files, TFRecord shards of PNG records, TFRecord shards of raw records.
Then, in this one process and on the same machine:

- limits: reading the bytes of every PNG file from a warm page cache (no decoding), and decoding the PNG bytes
  already in memory on all cores (no I/O) -- the decode-only limit;
- read + decode + normalize + shuffle + batch of one epoch through each layout's pipeline (second pass timed);
- training the seed CNN (TrainConfig defaults, --epochs epochs, steady images/s over all epochs but the first) fed
  from memory and from each layout, in the order memory, raw shards, PNG shards, folder, memory, so that drift on a
  shared machine shows up as a difference between the two in-memory runs.

Every speed comes with its CPU time per image (time.process_time: all threads of the process), which hardly moves
when other programs share the machine, unlike images/s. Prints a table and the ratios the issue asks for: training
from shards / in memory (goal >= 0.90) and PNG read+decode / decode-only limit (goal >= 0.50)."""
import argparse, os, time
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
from pathlib import Path

def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--images', type=int, default=54_000); parser.add_argument('--epochs', type=int, default=3)
    parser.add_argument('--work', default='/tmp/imgdl-bench')
    args = parser.parse_args()
    import numpy as np, keras
    from imgdl_nb.data import load_fashion_mnist
    from imgdl_nb.preprocess import prepare_splits, make_dataset
    from imgdl_nb.train import TrainConfig, train, choose_dtype_policy
    from imgdl_nb.large_scale import (generate_dataset, DatasetSpec, open_dataset, split_pipeline, disk_pixel_stats,
        pipeline_speed, read_bytes_rate, decode_only_speed, train_from_disk)
    source = load_fashion_mnist()
    layouts = {'shards, raw records': dict(encoding='raw'), 'shards, PNG records': dict(encoding='png'), 'folder of PNG files': dict(layout='folder')}
    datasets = {}
    for name, kw in layouts.items():
        root = Path(args.work)/f"pipeline-{kw.get('layout', 'tfrecord')}-{kw.get('encoding', 'png')}-{args.images}"
        generate_dataset(root, DatasetSpec(n_train=args.images, n_validation=6_000, n_test=0, images_per_part=max(1_000, args.images // 16), **kw), source, progress=False)
        datasets[name] = open_dataset(root)
    (x, y), (x_test, y_test) = source
    data = prepare_splits(x, y, x_test, y_test)
    data.x_train, data.y_train = data.x_train[:args.images], data.y_train[:args.images]
    stats = data.stats
    config = TrainConfig(epochs=args.epochs)
    print(f"{args.images:,} training images, batch {config.batch_size}, {choose_dtype_policy(config.precision)}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")

    files = datasets['folder of PNG files'].splits['train']
    read_bytes_rate(files)   # warm the page cache
    decode_only = decode_only_speed([Path(f).read_bytes() for f in files], (28, 28, 1))
    limits = {'read bytes only (warm cache)': read_bytes_rate(files), 'decode PNG only (bytes in memory)': decode_only['images_per_second']}
    reading = {'in memory': pipeline_speed(make_dataset(data.x_train, data.y_train, config.batch_size, shuffle=True))}
    for name, dataset in datasets.items():
        pipeline_speed(split_pipeline(dataset, 'train', stats, config.batch_size, True))   # warm cache, trace
        reading[name] = pipeline_speed(split_pipeline(dataset, 'train', stats, config.batch_size, True))

    training = {}
    for name in ['in memory', 'shards, raw records', 'shards, PNG records', 'folder of PNG files', 'in memory ']:
        disk_stats = None if name.strip() == 'in memory' else disk_pixel_stats(datasets[name])   # not timed, as prepare_splits is not
        cpu = time.process_time()
        if disk_stats is None: result = train(data, config, verbose=0)
        else: result = train_from_disk(datasets[name], disk_stats, config, verbose=0)
        cpu_us = (time.process_time() - cpu) / (args.images * args.epochs) * 1e6
        training[name] = dict(images_per_second=result.images_per_second, cpu_us_per_image=cpu_us)
        print(f"  trained from {name.strip():22s} {result.images_per_second:8,.0f} images/s  {cpu_us:6.0f} CPU-us/image  "
              f"(val accuracy {result.history['val_accuracy'][-1]:.4f}, load {os.getloadavg()[0]:.1f})", flush=True)
    memory = {k: (training['in memory'][k] + training['in memory '][k]) / 2 for k in ('images_per_second', 'cpu_us_per_image')}
    print(f"\n{'pipeline':22s} {'read+decode/s':>14s} {'CPU-us/image':>13s} {'training/s':>11s} {'training CPU-us/image':>22s} {'speed vs memory':>16s} {'CPU vs memory':>14s}")
    for name in ['in memory', *datasets]:
        r, t = reading[name], training[name]
        print(f"{name:22s} {r['images_per_second']:14,.0f} {r['cpu_us_per_image']:13.1f} {t['images_per_second']:11,.0f} {t['cpu_us_per_image']:22.0f} "
              f"{t['images_per_second'] / memory['images_per_second']:16.2f} {memory['cpu_us_per_image'] / t['cpu_us_per_image']:14.2f}")
    for name, rate in limits.items(): print(f"{name:36s} {rate:9,.0f} images/s")
    print(f"\nin-memory training, first vs second run (drift on a shared machine): {training['in memory']['images_per_second'] / training['in memory ']['images_per_second']:.2f}x")
    for name in datasets:
        print(f"training from {name} / in memory: {training[name]['images_per_second'] / memory['images_per_second']:.2f} by the clock, "
              f"{memory['cpu_us_per_image'] / training[name]['cpu_us_per_image']:.2f} by CPU time per image (goal for shards >= 0.90)")
    decode = limits['decode PNG only (bytes in memory)']
    print(f"decoding PNG alone costs {decode_only['cpu_us_per_image']:.1f} CPU-us/image")
    for name in ('shards, PNG records', 'folder of PNG files'):
        print(f"{name} read+decode / decode-only limit: {reading[name]['images_per_second'] / decode:.2f} by the clock, "
              f"{decode_only['cpu_us_per_image'] / reading[name]['cpu_us_per_image']:.2f} by CPU time per image (goal >= 0.50)")

if __name__ == '__main__': main()
