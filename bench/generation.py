"""Generation goals of notebook 11 (imgdl_nb.generation): each generator trained on all 60,000 training images.

    python bench/generation.py [--seeds 0,1] [--models vae,gan,diffusion] [--vae-epochs 25] [--gan-epochs 10]
                               [--diffusion-epochs 8] [--steps 25] [--guidance 3] [--out bench/results/generation.json]

Runs of other models already in --out are kept, so one generator can be re-run alone.

Every generator is measured the same way as in the notebook: 5,000 samples (500 per class, the class asked for) against
the Gaussian fit of the measuring classifier's features of one half of the test split (`test_split_reference`), with the
other half as the floor (real against real). The measuring classifier is the seed CNN trained once with the default
recipe on all training images (`feature_classifier()`, cached in ~/.cache/imgdl_nb).

Per generator and seed: Fréchet distance, conditional accuracy, parameters, training seconds (the `fit` call) and
sampling milliseconds per image (the 5,000 measured images, in batches of 1,000, after a warm-up batch of 100). The
diffusion model samples with DDIM (--steps) and classifier-free guidance (--guidance).
Goals: every generator trains in <= 15 minutes; the best one reaches conditional accuracy >= 90% and a Fréchet distance
at most half the VAE's (means over seeds).

Prints one line per run and the verdicts; writes the JSON after every run."""
import argparse, json, os, time
from pathlib import Path
import numpy as np
from machine import cpu_description   # bench/machine.py

LIMIT_SECONDS = 15 * 60

def timed_samples(model, asked:np.ndarray, args)->tuple:
    "The images for `asked` (seed 1) and the milliseconds per image it took, after a warm-up batch."
    from imgdl_nb.generation import generate
    generate(model, asked[:100], 9, args.guidance, args.steps)
    start = time.perf_counter(); images = generate(model, asked, 1, args.guidance, args.steps)
    return images, (time.perf_counter() - start) * 1000 / len(asked)

def train(kind:str, images, labels, seed:int, args):
    "A trained generator of `kind` (the package's `train_generator`: the chapter's settings) and its training seconds."
    from imgdl_nb.generation import train_generator
    epochs = {'vae': args.vae_epochs, 'gan': args.gan_epochs, 'diffusion': args.diffusion_epochs}[kind]
    trained = train_generator(kind, images, labels, epochs=epochs, seed=seed)
    return trained.model, trained.seconds

def verdicts(runs:list)->dict:
    "Means per generator, and the goals."
    means = {k: {m: float(np.mean([r[m] for r in runs if r['model'] == k])) for m in ('frechet_distance', 'conditional_accuracy', 'train_seconds')}
             for k in dict.fromkeys(r['model'] for r in runs)}
    goals = {'every generator trains in <= 15 minutes': all(r['train_seconds'] <= LIMIT_SECONDS for r in runs)}
    if 'vae' in means and len(means) > 1:
        best = min((k for k in means if k != 'vae'), key=lambda k: means[k]['frechet_distance'])
        goals[f'best ({best}) conditional accuracy >= 0.90'] = means[best]['conditional_accuracy'] >= 0.90
        goals[f"best ({best}) Fréchet distance <= half the VAE's"] = means[best]['frechet_distance'] <= means['vae']['frechet_distance'] / 2
    return dict(means=means, goals=goals)

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', default='0,1'); parser.add_argument('--models', default='vae,gan,diffusion')
    parser.add_argument('--vae-epochs', type=int, default=25); parser.add_argument('--gan-epochs', type=int, default=10)
    parser.add_argument('--diffusion-epochs', type=int, default=8)
    parser.add_argument('--steps', type=int, default=25, help='DDIM steps of the diffusion sampler')
    parser.add_argument('--guidance', type=float, default=3., help='classifier-free guidance scale w of the diffusion sampler')
    parser.add_argument('--out', default='bench/results/generation.json')
    args = parser.parse_args()
    from imgdl_nb.data import load_fashion_mnist, write_atomically
    from imgdl_nb.preprocess import scale_pixels
    from imgdl_nb.generation import feature_classifier, feature_model, test_split_reference, generator_report
    (train_images, train_labels), _ = load_fashion_mnist()
    x_train = scale_pixels(train_images)[..., None]
    classifier = feature_classifier(); net = feature_model(classifier)
    reference, other_half, other_labels = test_split_reference(net)
    floor = generator_report(net, classifier, reference, other_half, other_labels)
    print(f"floor (real against real): Fréchet distance {floor['frechet_distance']:.2f}, classifier accuracy {floor['conditional_accuracy']:.4f}")
    models = args.models.split(',')
    kept = [r for r in json.loads(Path(args.out).read_text())['runs'] if r['model'] not in models] if Path(args.out).exists() else []
    result = dict(machine=f'{cpu_description()}, {os.cpu_count()} cores', args=vars(args), floor=floor, runs=kept)
    asked = np.repeat(np.arange(10), 500)
    for seed in map(int, args.seeds.split(',')):
        for kind in models:
            load_before = os.getloadavg()
            model, seconds = train(kind, x_train, train_labels, seed, args)
            images, ms_per_image = timed_samples(model, asked, args)
            run = dict(model=kind, seed=seed, **generator_report(net, classifier, reference, images, asked),
                       parameters=int(model.count_params()), train_seconds=seconds, sampling_ms_per_image=ms_per_image,
                       load_before=load_before, load_after=os.getloadavg())
            result['runs'].append(run)
            print(f"{kind} seed {seed}: Fréchet distance {run['frechet_distance']:.2f}, conditional accuracy {run['conditional_accuracy']:.4f}, "
                  f"{run['parameters']:,} parameters, training {seconds:.0f} s, sampling {run['sampling_ms_per_image']:.3f} ms/image, "
                  f"load {load_before[0]:.2f} -> {run['load_after'][0]:.2f}", flush=True)
            result |= verdicts(result['runs'])
            write_atomically(Path(args.out), lambda tmp: tmp.write_text(json.dumps(result, indent=1)))
    for goal, met in result['goals'].items(): print(f"{'met' if met else 'MISSED'}: {goal}")

if __name__ == '__main__': main()
