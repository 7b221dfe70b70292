"""Compression goals of notebook 10 (imgdl_nb.compression), measured on the default-recipe model.

    python bench/compression.py [--seeds 0,1,2,3,4] [--parts compression,distillation] [--out bench/results/compression.json]

All 54,000 training images (6,000 held out for validation) and the 10,000 test images; LiteRT with 2 threads.

1. The default recipe (`train`, 5 epochs): test accuracy of the Keras model and of its float32 `.tflite`.
2. Magnitude pruning to 80% (global ranking, Zhu & Gupta's schedule, 2 epochs of fine-tuning).
   Goal: <= 0.5 points of test accuracy lost.
3. Pruned + full int8 + gzip. Goal: >= 10x smaller than the float32 `.tflite` of the original, <= 1 point lost.
4. Full int8 vs float32 LiteRT on the original model: per-image throughput (one image per call), float32 and int8
   rounds alternating so that both see the same machine. Goal: int8 >= 2x, <= 0.5 points lost. Also batched
   throughput (256 per call) and each layer alone.
5. Distillation: the student (`student_cnn`, 70,378 parameters, 6.1x fewer than the teacher) trained alone and
   distilled from the best recipe (the teacher, `train_best`), same initial weights, one pair per seed; the student
   alone trains for --alone-epochs (15), the distilled one for --student-epochs (30) with alpha 0.5 and T 2: each the
   best for it on the validation split (bench/distillation_trials.py, bench/results/distillation_trials.jsonl).
   Goal: the mean gain exceeds the seed-to-seed spread (the larger standard deviation of the two). The teacher is
   the best recipe without label smoothing (a label-smoothed teacher makes a poor one: Müller, Kornblith & Hinton,
   2019).

Steps 1-4 are `--parts compression`, step 5 `--parts distillation`. The int8 speed-up depends on the CPU's vector
instructions, so the JSON names the CPU: bench/results/compression.json is an AMD EPYC with AVX-512 (VNNI and
bfloat16), compression_intel_xeon.json an Intel Xeon with AVX-512 VNNI and AMX, compression_amd_epyc.json
(`--parts compression`) an AMD EPYC with AVX2 only, compression_amd_epyc_avx2_second.json (`--parts compression`)
another one.

Prints one line per step and a verdict per goal; writes everything to --out as JSON after every step."""
import argparse, json, os, time
from pathlib import Path
from machine import cpu_description   # bench/machine.py
import numpy as np

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', default='0,1,2,3,4', help='seeds of the distillation pairs')
    parser.add_argument('--student-epochs', type=int, default=30, help='epochs of the distilled student')
    parser.add_argument('--alone-epochs', type=int, default=15, help='epochs of the student trained alone')
    parser.add_argument('--calls', type=int, default=2000, help='calls per latency round')
    parser.add_argument('--parts', default='compression,distillation',
                        help='steps 1-4 (compression), step 5 (distillation) or both; a part not run keeps its results in --out')
    parser.add_argument('--out', default='bench/results/compression.json')
    args = parser.parse_args()
    parts = set(args.parts.split(','))
    if not parts or parts - {'compression', 'distillation'}: parser.error(f"--parts takes compression, distillation or both, got {args.parts!r}")
    import keras
    from imgdl_nb.data import load_fashion_mnist
    from imgdl_nb.preprocess import prepare_splits, stratified_subset
    from imgdl_nb.train import train, TrainConfig
    from imgdl_nb.evaluate import accuracy
    from imgdl_nb.model_selection import train_best, best_recipe_config
    from imgdl_nb.compression import (prune, sparsity, to_tflite, LiteModel, file_sizes, lite_speeds,
        layer_latencies, teacher_log_probabilities, distillation_comparison, student_cnn)

    out = Path(args.out); out.parent.mkdir(parents=True, exist_ok=True)
    kept = json.loads(out.read_text()) if out.exists() and parts != {'compression', 'distillation'} else {}
    result = kept | {'machine': f'{cpu_description()}, {os.cpu_count()} cores', 'load_before': os.getloadavg(), 'goals': kept.get('goals', {})}
    def save(): out.write_text(json.dumps(result, indent=2, default=float))
    def verdict(name, met, text): result['goals'][name] = {'met': bool(met), 'text': text}; save(); print(f"goal {name}: {'MET' if met else 'MISSED'} — {text}", flush=True)

    (xa, ya), (xt, yt) = load_fashion_mnist()
    data = prepare_splits(xa, ya, xt, yt)
    test = lambda predict: accuracy(data.y_test, predict(data.x_test).argmax(1))
    if 'compression' in parts:
        start = time.perf_counter()
        model = train(data, TrainConfig(), verbose=0).model
        float_tflite = to_tflite(model)
        base = {'keras_accuracy': test(lambda x: model.predict(x, batch_size=1024, verbose=0)), 'tflite_accuracy': test(LiteModel(float_tflite).predict),
                'tflite_bytes': len(float_tflite), 'seconds': time.perf_counter() - start}
        result['default'] = base; save()
        print(f"1. default recipe: Keras {base['keras_accuracy']:.4f}, float32 .tflite {base['tflite_accuracy']:.4f}, {base['tflite_bytes']:,} bytes", flush=True)

        start = time.perf_counter()
        pruned = prune(model, data, 0.8, epochs=2)
        p = {'sparsity': sparsity(pruned), 'accuracy': test(lambda x: pruned.predict(x, batch_size=1024, verbose=0)), 'seconds': time.perf_counter() - start}
        result['pruned_80'] = p; save()
        lost = base['keras_accuracy'] - p['accuracy']
        print(f"2. pruned to {p['sparsity']:.1%}: {p['accuracy']:.4f}", flush=True)
        verdict('sparsity_80', lost <= 0.005, f"80% sparsity loses {100 * lost:+.2f} points (goal <= 0.5)")

        representative = stratified_subset(data.x_train, data.y_train, 300)[0]
        pruned_int8 = to_tflite(pruned, 'int8', representative)
        q = {'accuracy': test(LiteModel(pruned_int8).predict), **{f'bytes_{k}': v for k, v in file_sizes(pruned_int8).items()}}
        q['times_smaller'] = base['tflite_bytes'] / q['bytes_gzip']
        result['pruned_int8_gzip'] = q; save()
        lost = base['keras_accuracy'] - q['accuracy']
        print(f"3. pruned + int8: {q['accuracy']:.4f}, {q['bytes_raw']:,} bytes, {q['bytes_gzip']:,} gzipped", flush=True)
        verdict('pruned_int8_gzip_10x', q['times_smaller'] >= 10 and lost <= 0.01, f"{q['times_smaller']:.1f}x smaller than the float32 .tflite (goal >= 10x), {100 * lost:+.2f} points lost (goal <= 1)")

        int8 = to_tflite(model, 'int8', representative)
        lites = {'float32': LiteModel(float_tflite), 'int8': LiteModel(int8)}
        speeds = lite_speeds(lites, data.x_test, args.calls, rounds=7)   # float32 and int8 rounds in turn, so both see the same load
        latency = {k: v['latency_us'] for k, v in speeds.items()}
        batched = {k: v['images_per_second'] for k, v in speeds.items()}
        s = {'latency_us': latency, 'batched_images_per_second': batched,
             'int8_accuracy': test(lites['int8'].predict), 'per_layer': layer_latencies(model, calls=args.calls).to_dict(orient='records')}
        s['per_image_speedup'] = latency['float32'] / latency['int8']; s['batched_speedup'] = batched['int8'] / batched['float32']
        result['int8_speed'] = s; save()
        lost = base['keras_accuracy'] - s['int8_accuracy']
        print(f"4. per image: float32 {latency['float32']:.1f} µs, int8 {latency['int8']:.1f} µs; batched {batched['float32']:,.0f} vs {batched['int8']:,.0f} images/s", flush=True)
        for row in s['per_layer']: print(f"   {row['layer']:6s} float32 {row['float32 µs']:6.1f} µs, int8 {row['int8 µs']:6.1f} µs", flush=True)
        verdict('int8_2x', s['per_image_speedup'] >= 2 and lost <= 0.005, f"int8 per-image throughput {s['per_image_speedup']:.2f}x float32 (goal >= 2x; batched {s['batched_speedup']:.2f}x), {100 * lost:+.2f} points lost (goal <= 0.5)")

    if 'distillation' in parts:
        start = time.perf_counter()
        teacher = train_best(data, best_recipe_config(epochs=12, label_smoothing=0.), verbose=0).model
        t = {'accuracy': test(lambda x: teacher.predict(x, batch_size=1024, verbose=0)), 'parameters': teacher.count_params(),
             'student_parameters': student_cnn().count_params(), 'seconds': time.perf_counter() - start}
        print(f"5. teacher: {t['accuracy']:.4f}, {t['parameters']:,} parameters ({t['seconds']:.0f} s)", flush=True)
        settings = dict(alpha=0.5, temperature=2.)   # chosen on the validation split (bench/distillation_trials.py)
        table, _ = distillation_comparison(data, teacher_log_probabilities(teacher, data.x_train), [int(s) for s in args.seeds.split(',')],
                                           args.student_epochs, args.alone_epochs, **settings)
        gain, spread = float((table['distilled'] - table['alone']).mean()), float(max(table['alone'].std(ddof=1), table['distilled'].std(ddof=1)))
        result['distillation'] = t | {'epochs': args.student_epochs, 'alone_epochs': args.alone_epochs, **settings, 'runs': table.reset_index().to_dict(orient='records'), 'gain': gain, 'spread': spread}; save()
        print(table.round(4).to_string(), flush=True)
        verdict('distillation', gain > spread, f"distilled {table['distilled'].mean():.4f} ± {table['distilled'].std(ddof=1):.4f} vs alone "
                f"{table['alone'].mean():.4f} ± {table['alone'].std(ddof=1):.4f}: gain {100 * gain:+.2f} points, spread {100 * spread:.2f} (goal: gain > spread)")
    result['load_after'] = os.getloadavg(); save()

if __name__ == '__main__': main()
