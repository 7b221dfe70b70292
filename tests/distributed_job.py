"""One process of the distributed tests: train the seed CNN on 400 Fashion-MNIST images and save the final weights.

Run by tests/test_distributed.py, one process per worker (the cluster comes from TF_CONFIG). Not a test module itself."""
import argparse, os, sys, time
p = argparse.ArgumentParser()
p.add_argument('--strategy', default='auto')          # 'auto' (TF_CONFIG decides), 'one' or 'mirrored' (2 logical CPUs)
p.add_argument('--weights', required=True)            # .npz file for the final weights
p.add_argument('--checkpoint-dir')
p.add_argument('--checkpoint-every', type=int, default=4)
p.add_argument('--pause-at', type=int, default=-1)    # stop making progress after this many steps (then get killed)
p.add_argument('--bad-sharding', action='store_true') # try the two wrong sharding setups instead of training
args = p.parse_args()
import numpy as np
import tensorflow as tf
if args.strategy == 'mirrored':   # before TensorFlow initializes its devices
    tf.config.set_logical_device_configuration(tf.config.list_physical_devices('CPU')[0], [tf.config.LogicalDeviceConfiguration()] * 2)
from imgdl_nb.distributed import choose_strategy, train_distributed, distribute_dataset, WorkerLostError
from imgdl_nb.data import load_fashion_mnist
from imgdl_nb.preprocess import prepare_splits, stratified_subset
from imgdl_nb.train import TrainConfig

strategy = choose_strategy(args.strategy, devices=['/cpu:0', '/cpu:1'] if args.strategy == 'mirrored' else None)
print(f'replicas {strategy.num_replicas_in_sync}', flush=True)
if args.bad_sharding:
    off = tf.data.Dataset.range(64).batch(8)
    options = tf.data.Options(); options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    path = f'{args.weights}.{os.getpid()}.tfrecord'
    with tf.io.TFRecordWriter(path) as w: w.write(b'x')
    by_file = tf.data.TFRecordDataset([path]).batch(8)
    file_options = tf.data.Options(); file_options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.FILE
    for ds, n_files in ((off.with_options(options), None), (by_file.with_options(file_options), 1)):
        try: distribute_dataset(strategy, ds, n_files); print('accepted', flush=True)
        except ValueError as e: print(f'refused: {e}', flush=True)
    os.unlink(path); sys.exit(0)

(a, b), (c, d) = load_fashion_mnist()
data = prepare_splits(*stratified_subset(a, b, 400), *stratified_subset(c, d, 100))
def on_step(done):
    if done == args.pause_at:
        print(f'paused after step {done}', flush=True); time.sleep(300)
try:
    result = train_distributed(data, TrainConfig(epochs=3, batch_size=40, precision='float32'), strategy,
                               args.checkpoint_dir, args.checkpoint_every, on_step)
except WorkerLostError as e:
    print(f'error: {e}', file=sys.stderr, flush=True); sys.exit(3)
np.savez(args.weights, *result.model.get_weights())
print('finished', flush=True)
