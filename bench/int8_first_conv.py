"""Why int8 LiteRT is not 2x faster per image on the seed CNN: its first convolution, rewritten two ways, and threads.

    python bench/int8_first_conv.py [--epochs 1] [--calls 2000] [--out bench/results/int8_first_conv.json]

The seed CNN's first convolution has one input channel, so each output sums only 3x3x1 = 9 products. Two rewrites
compute the same function with more input channels per product:
- space-to-depth: the 28x28x1 image as a 14x14x4 one (each 2x2 block of pixels becomes 4 channels); the 3x3
  convolution becomes a 2x2 convolution with 4x32 outputs, one group of 32 per position in the block, and the 2x2
  max pooling that follows becomes a maximum over the 4 groups;
- copies + depthwise: a 1x1 convolution with weights 1 copies the image into 32 channels, then a 3x3 depthwise
  convolution applies filter k to copy k.
Each model (trained for --epochs with the default recipe, converted from a float32 copy) is checked against the
original on 500 test images, converted to float32 and full-int8 `.tflite`, and timed with `lite_speeds` (all models in
alternating rounds, one image per call and batches of 256) with 2 threads and with 1. Prints one line per model and
thread count and writes everything to --out."""
import argparse, json, os
from pathlib import Path
from machine import cpu_description   # bench/machine.py
import numpy as np

def space_to_depth_kernel(kernel):
    "(3, 3, 1, F) kernel of a stride-1 convolution -> (2, 2, 4, 4F) kernel on the 2x2 space-to-depth image."
    F = kernel.shape[3]; out = np.zeros((2, 2, 4, 4 * F), kernel.dtype)
    for a, b, p, q, r, s in np.ndindex(2, 2, 2, 2, 2, 2):
        u, v = 2 * a + p - r, 2 * b + q - s           # the original kernel tap that input (a, b, channel pq) meets for output (r, s)
        if 0 <= u <= 2 and 0 <= v <= 2: out[a, b, 2 * p + q, (2 * r + s) * F:(2 * r + s + 1) * F] = kernel[u, v, 0]
    return out

def space_to_depth_model(model):
    "The seed CNN with conv1 + pool1 computed on the space-to-depth image."
    import keras; L = keras.layers
    (H, W, _), (kernel, bias) = model.input_shape[1:], model.get_layer('conv1').get_weights(); F = kernel.shape[3]
    inputs = keras.Input(model.input_shape[1:])
    x = L.Reshape((H // 2, 2, W // 2, 2))(inputs); x = L.Permute((1, 3, 2, 4))(x); x = L.Reshape((H // 2, W // 2, 4))(x)
    conv = L.Conv2D(4 * F, 2, activation='relu'); x = conv(x); conv.set_weights([space_to_depth_kernel(kernel), np.tile(bias, 4)])
    h, w = H // 2 - 1, W // 2 - 1
    x = L.Reshape((h * w, 4, F))(x); x = L.MaxPooling2D((1, 4))(x); x = L.Reshape((h, w, F))(x)
    for layer in model.layers[2:]: x = layer(x)      # conv2 onwards
    return keras.Model(inputs, x)

def copies_depthwise_model(model):
    "The seed CNN with conv1 as a 1x1 copy into F channels and a 3x3 depthwise convolution."
    import keras; L = keras.layers
    kernel, bias = model.get_layer('conv1').get_weights(); F = kernel.shape[3]
    inputs = keras.Input(model.input_shape[1:])
    copy = L.Conv2D(F, 1, use_bias=False); x = copy(inputs); copy.set_weights([np.ones((1, 1, 1, F), 'float32')])
    depthwise = L.DepthwiseConv2D(3, activation='relu'); x = depthwise(x); depthwise.set_weights([kernel.transpose(0, 1, 3, 2), bias])
    for layer in model.layers[1:]: x = layer(x)      # pool1 onwards
    return keras.Model(inputs, x)

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--epochs', type=int, default=1); parser.add_argument('--calls', type=int, default=2000)
    parser.add_argument('--out', default='bench/results/int8_first_conv.json')
    args = parser.parse_args()
    from imgdl_nb.data import load_fashion_mnist
    from imgdl_nb.preprocess import prepare_splits, stratified_subset
    from imgdl_nb.train import train, TrainConfig
    from imgdl_nb.evaluate import accuracy
    from imgdl_nb.adversarial import float32_copy
    from imgdl_nb.compression import to_tflite, LiteModel, lite_speeds
    (xa, ya), (xt, yt) = load_fashion_mnist()
    data = prepare_splits(xa, ya, xt, yt)
    model = float32_copy(train(data, TrainConfig(epochs=args.epochs), verbose=0).model)
    networks = {'original': model, 'space-to-depth': space_to_depth_model(model), 'copies + depthwise': copies_depthwise_model(model)}
    reference = model.predict(data.x_test[:500], verbose=0)
    representative = stratified_subset(data.x_train, data.y_train, 300)[0]
    result = {'machine': f'{cpu_description()}, {os.cpu_count()} cores', 'load_before': os.getloadavg(), 'models': {}}
    contents = {}
    for name, network in networks.items():
        difference = float(np.abs(network.predict(data.x_test[:500], verbose=0) - reference).max())
        for mode in ('float32', 'int8'):
            contents[f'{name}, {mode}'] = to_tflite(network, mode, representative if mode == 'int8' else None)
            lite = LiteModel(contents[f'{name}, {mode}'])
            result['models'][f'{name}, {mode}'] = {'max_probability_difference_from_original': difference, 'bytes': len(lite.content),
                                                   'test_accuracy': accuracy(data.y_test, lite.predict(data.x_test).argmax(1))}
    for threads in (2, 1):
        speeds = lite_speeds({name: LiteModel(content, threads) for name, content in contents.items()}, data.x_test, args.calls, rounds=7)
        for name, speed in speeds.items():
            result['models'][name][f'{threads}_threads'] = speed
            print(f"{threads} thread{'s' if threads > 1 else ''}  {name:28s} {speed['latency_us']:6.1f} µs per image, {speed['images_per_second']:9,.0f} images/s in batches, "
                  f"accuracy {result['models'][name]['test_accuracy']:.4f}", flush=True)
    result['load_after'] = os.getloadavg()
    Path(args.out).write_text(json.dumps(result, indent=2))

if __name__ == '__main__': main()
