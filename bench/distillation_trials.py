"""Distillation settings for notebook 10, chosen on the validation split (the test split is not touched).

    python bench/distillation_trials.py EPOCHS ALPHA TEMPERATURE [--seeds 0] [--filters 32,64] [--dense 32]
        [--teacher runs/distillation_teacher.keras] [--out bench/results/distillation_trials.jsonl]

ALPHA `none` trains the student on the labels alone (no teacher needed). The teacher is the best recipe without label smoothing
(`train_best(data, best_recipe_config(epochs=12, label_smoothing=0.))`, seed 0), trained once and saved to --teacher; later
trials load it (delete the file to retrain it). Each trial trains `train_student` (the default recipe's optimizer and
cosine schedule, no augmentation) on the 54,000 training images and appends one JSON line per seed to --out: the
settings, the student's parameters, its accuracy on the 6,000 validation images and on the first 10,000 training
images (how far it fits them), the training seconds and the load average."""
import argparse, json, os, time
from pathlib import Path
from machine import cpu_description   # bench/machine.py

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('epochs', type=int); parser.add_argument('alpha'); parser.add_argument('temperature', type=float)
    parser.add_argument('--seeds', default='0'); parser.add_argument('--filters', default='32,64'); parser.add_argument('--dense', type=int, default=32)
    parser.add_argument('--teacher', default='runs/distillation_teacher.keras')
    parser.add_argument('--out', default=str(Path(__file__).parent/'results'/'distillation_trials.jsonl'))
    args = parser.parse_args()
    import keras
    from imgdl_nb.data import load_fashion_mnist
    from imgdl_nb.preprocess import prepare_splits
    from imgdl_nb.train import TrainConfig
    from imgdl_nb.evaluate import accuracy
    from imgdl_nb.model_selection import train_best, best_recipe_config
    from imgdl_nb.compression import train_student, teacher_log_probabilities
    (xa, ya), (xt, yt) = load_fashion_mnist()
    data = prepare_splits(xa, ya, xt, yt)
    distilled, teacher_probs = args.alpha.lower() != 'none', None
    if distilled and Path(args.teacher).exists(): teacher = keras.models.load_model(args.teacher)
    elif distilled:
        teacher = train_best(data, best_recipe_config(epochs=12, label_smoothing=0.), verbose=0).model
        Path(args.teacher).parent.mkdir(parents=True, exist_ok=True); teacher.save(args.teacher)
    if distilled: teacher_probs = teacher_log_probabilities(teacher, data.x_train)
    filters = tuple(int(f) for f in args.filters.split(','))
    for seed in (int(s) for s in args.seeds.split(',')):
        load = os.getloadavg()
        result = train_student(data, TrainConfig(epochs=args.epochs, seed=seed), teacher_probs,
                               float(args.alpha) if distilled else 0., args.temperature, size=dict(filters=filters, dense=args.dense))
        measured = lambda x, y: accuracy(y, result.model.predict(x, batch_size=1024, verbose=0).argmax(1))
        row = {'epochs': args.epochs, 'alpha': float(args.alpha) if distilled else None, 'temperature': args.temperature if distilled else None,
               'seed': seed, 'filters': filters, 'dense': args.dense, 'parameters': result.model.count_params(),
               'validation_accuracy': measured(data.x_val, data.y_val), 'train_accuracy_10k': measured(data.x_train[:10_000], data.y_train[:10_000]),
               'seconds': sum(result.epoch_seconds), 'load_before': load, 'load_after': os.getloadavg(), 'machine': f'{cpu_description()}, {os.cpu_count()} cores'}
        print(json.dumps(row), flush=True)
        with open(args.out, 'a') as f: f.write(json.dumps(row) + '\n')

if __name__ == '__main__': main()
