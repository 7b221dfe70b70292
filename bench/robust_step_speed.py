"""Seconds per step of fast FGSM training for `robust_cnn` variants, side by side in one run (why the recipe uses 3×3 kernels).

    python bench/robust_step_speed.py [--steps 40] [--repeats 3]

Each variant trains at batch 128 on random images (speed does not depend on the pixels) inside an `AdversarialTrainer`
(one FGSM step from a random start per batch) and, for comparison, without the attack. After a warm-up of 5 steps
it times `--repeats` passes of `--steps` steps and keeps the fastest, then prints ms per step, the seconds one epoch of
54,000 images would take, and each variant's time relative to Madry et al.'s 5×5 network."""
import argparse, os, time
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
import numpy as np, keras, tensorflow as tf
from imgdl_nb.adversarial import AdversarialTrainer, robust_cnn
from imgdl_nb.preprocess import PixelStats

VARIANTS = {'5×5 kernels, 1,024 dense units (Madry et al.)': dict(kernel_size=5, dense=1024),
            '3×3 kernels, 1,024 dense units (the recipe)': dict(kernel_size=3, dense=1024),
            '3×3 kernels, 512 dense units': dict(kernel_size=3, dense=512)}

def seconds_per_step(network:keras.Model, attack:bool, steps:int, repeats:int, batch_size:int=128)->float:
    "Fastest of `repeats` timed passes of `steps` training steps, per step."
    model = AdversarialTrainer(network, PixelStats(0.286, 0.353), epsilon=0.1) if attack else network
    model.compile(keras.optimizers.AdamW(1e-3), 'sparse_categorical_crossentropy')
    rng = np.random.default_rng(0)
    data = tf.data.Dataset.from_tensor_slices((rng.random((batch_size * steps, 28, 28, 1), dtype='float32'),
                                               rng.integers(0, 10, batch_size * steps))).batch(batch_size).cache()
    model.fit(data.take(5), verbose=0, shuffle=False)
    times = []
    for _ in range(repeats):
        start = time.perf_counter(); model.fit(data, verbose=0, shuffle=False); times.append(time.perf_counter() - start)
    return min(times) / steps

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--steps', type=int, default=40); parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args()
    rows = {name: {mode: seconds_per_step(robust_cnn(**v), mode == 'fast FGSM', args.steps, args.repeats) for mode in ('fast FGSM', 'no attack')}
            for name, v in VARIANTS.items()}
    reference = rows[next(iter(VARIANTS))]['fast FGSM']
    for name, r in rows.items():
        print(f"{name:46s} fast FGSM {1000 * r['fast FGSM']:6.1f} ms/step ({r['fast FGSM'] * 54_000 / 128:5.1f} s per epoch, "
              f"{r['fast FGSM'] / reference:.2f}x Madry's), no attack {1000 * r['no attack']:6.1f} ms/step")

if __name__ == '__main__': main()
