"""Training speed with 1 worker vs 2 workers on this machine, and where the time goes (issue 5).

    python bench/distributed_speed.py [--images 12000] [--batch-size 256] [--epochs 3] [--precision float32] [--threads 1]

Every worker is its own process on 127.0.0.1 (MultiWorkerMirroredStrategy from TF_CONFIG; 1 worker = the default
strategy), training `train_distributed` with the same global batch. Each worker reports its steady training speed
(epochs after the first), the time of one training step, and the time of an all-reduce of a gradient-sized payload
(the seed CNN's trainable variables) and the time of the input pipeline alone, each measured on its own. Prints a table and the 2-worker/1-worker ratio."""
import argparse, json, os, subprocess, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")   # before TensorFlow is imported

def worker(args):
    "One worker: train, then time the all-reduce of the gradients' shapes; the chief prints a JSON line."
    import numpy as np, tensorflow as tf
    if args.threads: tf.config.threading.set_intra_op_parallelism_threads(args.threads); tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    from imgdl_nb.distributed import choose_strategy, train_distributed, is_chief, read_tf_config, distribute_dataset, epoch_batches
    from imgdl_nb.data import load_fashion_mnist
    from imgdl_nb.preprocess import prepare_splits, stratified_subset
    from imgdl_nb.train import TrainConfig
    strategy = choose_strategy()
    (a, b), (c, d) = load_fashion_mnist()
    data = prepare_splits(*stratified_subset(a, b, args.images), *stratified_subset(c, d, 1000))
    config = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, precision=args.precision)
    result = train_distributed(data, config, strategy, verbose=0)
    steps = len(data.x_train) // args.batch_size
    with strategy.scope(): payload = [tf.Variable(tf.zeros_like(w)) for w in result.model.trainable_weights]
    @tf.function
    def all_reduce():
        return strategy.run(lambda: tf.distribute.get_replica_context().all_reduce('sum', [tf.identity(v) for v in payload]))
    all_reduce()                                                      # trace, and set up the collective group
    start = time.perf_counter()
    for _ in range(args.repeats): tf.nest.map_structure(lambda t: t.numpy() if hasattr(t, 'numpy') else t, all_reduce())
    reduce_ms = (time.perf_counter() - start) / args.repeats * 1000
    start = time.perf_counter()                                       # the input pipeline alone: one epoch of distributed batches
    for batch in distribute_dataset(strategy, epoch_batches(data.x_train, data.y_train, args.batch_size, 0, 99)): pass
    input_ms = (time.perf_counter() - start) / steps * 1000
    if is_chief(read_tf_config()):
        step_ms = sum(result.epoch_seconds[1:]) / (steps * (args.epochs - 1)) * 1000
        print(json.dumps(dict(images_per_second=result.images_per_second, step_ms=step_ms, all_reduce_ms=reduce_ms, input_ms=input_ms,
                              payload_values=int(sum(np.prod(w.shape) for w in result.model.trainable_weights)),
                              train_images=len(data.x_train), epoch_seconds=result.epoch_seconds)), flush=True)

def run_job(n:int, argv:list, timeout:float=600)->dict:
    "Start `n` worker processes of this script; return the chief's measurements."
    from imgdl_nb.distributed import free_ports
    workers = [f'127.0.0.1:{p}' for p in free_ports(n)]
    env = lambda i: {**os.environ, **({'TF_CONFIG': json.dumps({'cluster': {'worker': workers}, 'task': {'type': 'worker', 'index': i}})} if n > 1 else {})}
    procs = [subprocess.Popen([sys.executable, __file__, '--worker', *argv], env=env(i), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(n)]
    try: outputs = [p.communicate(timeout=timeout) for p in procs]
    finally:
        for p in procs: p.kill()
    for p, (_, err) in zip(procs, outputs):
        if p.returncode: sys.exit(f'a worker failed:\n{err[-3000:]}')
    return json.loads(outputs[0][0].strip().splitlines()[-1])

if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('--images', type=int, default=12000); parser.add_argument('--batch-size', type=int, default=256)
    parser.add_argument('--epochs', type=int, default=3); parser.add_argument('--precision', default='float32')
    parser.add_argument('--repeats', type=int, default=50); parser.add_argument('--worker', action='store_true')
    parser.add_argument('--threads', type=int, default=0)  # TensorFlow intra- and inter-op threads per worker (0: its default, all cores)
    args = parser.parse_args()
    if args.worker: worker(args); sys.exit(0)
    argv = [a for a in sys.argv[1:] if a != '--worker']
    results = {n: run_job(n, argv) for n in (1, 2)}
    print(f"{os.cpu_count()} CPU cores; global batch {args.batch_size}, {results[1]['train_images']} training images, "
          f"{args.precision}, {args.epochs} epochs (speed from epochs 2..{args.epochs}), "
          f"threads per worker: {args.threads or 'TensorFlow default'}")
    print('| workers | training images/s | ms per step | input pipeline alone (ms/step) | all-reduce of the gradients (ms) | all-reduce share of a step |')
    print('|---|---|---|---|---|---|')
    for n, r in results.items():
        print(f"| {n} | {r['images_per_second']:,.0f} | {r['step_ms']:.1f} | {r['input_ms']:.1f} | {r['all_reduce_ms']:.2f} | {r['all_reduce_ms'] / r['step_ms']:.0%} |")
    print(f"2 workers / 1 worker: {results[2]['images_per_second'] / results[1]['images_per_second']:.2f}x "
          f"(all-reduce payload: {results[1]['payload_values']:,} float32 values = {results[1]['payload_values'] * 4 / 2**20:.2f} MiB per step)")
