"""The seed CNN's first convolution computed as a matrix product over 3x3 patches, against Keras' Conv2D.

    python bench/first_conv_as_matmul.py [--repeats 30] [--out bench/results/first_conv_as_matmul.json]

Issue 18 asks whether the first convolution (one input channel, so a 9-long reduction per output) runs faster as
one matmul over patches: tf.image.extract_patches (3x3, valid) turns a (B, 28, 28, 1) batch into (B, 26, 26, 9),
and a (9, 32) kernel multiplies it; a second version builds the same patches from 9 shifted views of the batch. Both versions share one kernel and bias (the matmul version's outputs are
checked equal to Conv2D's), run in the default recipe's precision (03's choose_dtype_policy) on one batch of 256
normalized Fashion-MNIST images, and are timed with 03's median_seconds: forward alone, and forward with the weight
gradient (what training computes for the first layer). Prints both and the ratios; writes the JSON."""
import argparse, json, os, sys
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3')
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
from machine import cpu_description

def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeats', type=int, default=30); parser.add_argument('--out', default='bench/results/first_conv_as_matmul.json')
    args = parser.parse_args()
    import numpy as np, tensorflow as tf, keras
    from imgdl_nb.data import load_fashion_mnist, write_atomically
    from imgdl_nb.preprocess import prepare_splits
    from imgdl_nb.train import TrainConfig, choose_dtype_policy, median_seconds, matmul_limit
    (x, y), (xt, yt) = load_fashion_mnist()
    data = prepare_splits(x[:2048], y[:2048], xt[:10], yt[:10])
    policy = choose_dtype_policy(TrainConfig().precision)
    compute = 'bfloat16' if 'bfloat16' in policy else 'float32'
    images = tf.constant(data.x_train[:256])
    conv = keras.layers.Conv2D(32, 3, activation='relu', dtype=policy); conv.build(images.shape)
    kernel, bias = conv.kernel, conv.bias
    def as_matmul(batch):
        patches = tf.image.extract_patches(tf.cast(batch, compute), [1, 3, 3, 1], [1, 1, 1, 1], [1, 1, 1, 1], 'VALID')
        return tf.nn.relu(tf.matmul(patches, tf.cast(tf.reshape(kernel, (9, 32)), compute)) + tf.cast(bias, compute))
    def shifted_matmul(batch):
        x = tf.cast(batch, compute)
        patches = tf.concat([x[:, i:i + 26, j:j + 26, :] for i in range(3) for j in range(3)], axis=-1)   # im2col from 9 shifted views
        return tf.nn.relu(tf.matmul(patches, tf.cast(tf.reshape(kernel, (9, 32)), compute)) + tf.cast(bias, compute))
    ways = {'Conv2D': lambda b: conv(b), 'patches + matmul': as_matmul, 'shifted views + matmul': shifted_matmul}
    difference = max(float(tf.reduce_max(tf.abs(tf.cast(ways['Conv2D'](images), tf.float32) - tf.cast(way(images), tf.float32)))) for way in ways.values())
    upstream = tf.random.normal((256, 26, 26, 32), dtype=compute)
    def with_gradient(way):
        def run():
            with tf.GradientTape() as tape: out = way(images)
            return tape.gradient(out, [kernel, bias], output_gradients=upstream)
        return run
    flops = 2 * 9 * 26 * 26 * 32 * 256
    limit = matmul_limit(compute)
    result = {'machine': f"{cpu_description()}, {os.cpu_count()} cores", 'load_before': list(os.getloadavg()), 'dtype_policy': policy,
              'batch': 256, 'max_abs_difference': difference, 'matmul_limit_gflops': limit, 'ways': {}}
    for name, way in ways.items():
        forward = median_seconds(tf.function(lambda way=way: way(images)), args.repeats)
        both = median_seconds(tf.function(with_gradient(way)), args.repeats)
        result['ways'][name] = {'forward_ms': forward * 1e3, 'forward_and_weight_gradient_ms': both * 1e3,
                                'forward_gflops': flops / forward / 1e9, 'training_gflops': 2 * flops / both / 1e9}
        print(f"{name:24s} forward {forward * 1e3:6.2f} ms ({flops / forward / 1e9:6.1f} GFLOP/s), "
              f"forward + weight gradient {both * 1e3:6.2f} ms ({2 * flops / both / 1e9:6.1f} GFLOP/s)")
    c = result['ways']['Conv2D']
    result['speedups'] = {name: {'forward': c['forward_ms'] / m['forward_ms'], 'training': c['forward_and_weight_gradient_ms'] / m['forward_and_weight_gradient_ms']}
                          for name, m in result['ways'].items() if name != 'Conv2D'}
    result['load_after'] = list(os.getloadavg())
    print(f"{policy}; matmul limit {limit:,.0f} GFLOP/s; outputs differ from Conv2D's by at most {difference:.3g}")
    for name, s in result['speedups'].items(): print(f"{name} vs Conv2D: forward {s['forward']:.2f}x, forward + weight gradient {s['training']:.2f}x")
    write_atomically(Path(args.out), lambda p: Path(p).write_text(json.dumps(result, indent=1)))
    print(f"wrote {args.out}")

if __name__ == '__main__': main()
