"""Distributed training (imgdl_nb.distributed and `imgdl_train --workers`): every run in its own processes.

Workers listen on free localhost ports; every process has a timeout and is killed in `finally`."""
import json, os, signal, subprocess, sys, time
from pathlib import Path
import numpy as np
import pytest
from conftest import COMMAND, run_error_cases
from imgdl_nb.cli import OUTPUT_FILES
from imgdl_nb.distributed import free_ports

JOB = Path(__file__).with_name('distributed_job.py')
ENV = {**os.environ, 'TF_CPP_MIN_LOG_LEVEL': '2'}
ENV.pop('TF_CONFIG', None)

def cluster_envs(n):
    "One environment per worker, each with its TF_CONFIG."
    workers = [f'127.0.0.1:{p}' for p in free_ports(n)]
    return [{**ENV, 'TF_CONFIG': json.dumps({'cluster': {'worker': workers}, 'task': {'type': 'worker', 'index': i}})} for i in range(n)]

def start(args, env, log):
    "Start a process writing stdout and stderr to `log`."
    return subprocess.Popen([str(a) for a in args], env=env, stdout=open(log, 'w'), stderr=subprocess.STDOUT)

def job(tmp, name, *args, env=ENV):
    "Start one process of tests/distributed_job.py; its weights go to tmp/name.npz, its output to tmp/name.log."
    return start([sys.executable, JOB, '--weights', tmp/f'{name}.npz', *args], env, tmp/f'{name}.log')

def finish(procs, timeout=120):
    "Wait for every process (at most `timeout` s in all); always kill what is left."
    deadline = time.monotonic() + timeout
    try: return [p.wait(timeout=max(1, deadline - time.monotonic())) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None: p.kill(); p.wait()

def wait_for(log, text, procs, timeout=90):
    "Wait until `text` appears in the file `log` (fail if a process ends first or time runs out)."
    deadline = time.monotonic() + timeout
    while text not in Path(log).read_text():
        assert time.monotonic() < deadline, f'{text!r} not in {log} after {timeout} s'
        assert all(p.poll() is None for p in procs), Path(log).read_text()[-2000:]
        time.sleep(0.1)

def weights(path): return [w for _, w in sorted(np.load(path).items(), key=lambda kv: int(kv[0].split('_')[1]))]
def max_difference(a, b): return max(float(np.abs(x - y).max()) for x, y in zip(weights(a), weights(b)))
def log(tmp, name): return (tmp/f'{name}.log').read_text()

@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    "A single-process run and an uninterrupted 2-worker run of the same training (global batch 40)."
    tmp = tmp_path_factory.mktemp('runs')
    envs = cluster_envs(2)
    procs = [job(tmp, 'one', '--strategy', 'one')] + [job(tmp, f'worker{i}', env=envs[i]) for i in range(2)]
    codes = finish(procs, timeout=150)
    assert codes == [0, 0, 0], [log(tmp, n)[-2000:] for n in ('one', 'worker0', 'worker1')]
    return tmp

def test_two_workers_match_one_process(runs):
    assert 'replicas 2' in log(runs, 'worker0') and 'replicas 1' in log(runs, 'one')
    assert max_difference(runs/'worker0.npz', runs/'worker1.npz') == 0          # the replicas stayed identical
    assert max_difference(runs/'worker0.npz', runs/'one.npz') < 1e-4           # and trained what one process trains

def test_mirrored_on_two_logical_cpus_matches_one_process(runs, tmp_path):
    assert finish([job(tmp_path, 'mirrored', '--strategy', 'mirrored')], timeout=90) == [0], log(tmp_path, 'mirrored')[-2000:]
    assert 'replicas 2' in log(tmp_path, 'mirrored')
    assert max_difference(tmp_path/'mirrored.npz', runs/'one.npz') < 1e-4

def test_killed_worker_is_detected_and_the_job_resumes(runs, tmp_path):
    ckpt, envs = tmp_path/'checkpoints', cluster_envs(2)
    procs = [job(tmp_path, 'a0', '--checkpoint-dir', ckpt, env=envs[0]),
             job(tmp_path, 'a1', '--checkpoint-dir', ckpt, '--pause-at', 14, env=envs[1])]
    try:
        wait_for(tmp_path/'a1.log', 'paused after step 14', procs)
        procs[1].send_signal(signal.SIGKILL); killed = time.monotonic()
        assert finish(procs[:1], timeout=60) == [3]                              # the survivor stops: no hang
        assert time.monotonic() - killed < 60
        assert 'a worker of the job stopped responding' in log(tmp_path, 'a0') and 'Traceback' not in log(tmp_path, 'a0')
    finally: finish(procs, timeout=1)
    envs = cluster_envs(2)                                                      # the same job, restarted
    assert finish([job(tmp_path, f'b{i}', '--checkpoint-dir', ckpt, env=envs[i]) for i in range(2)], timeout=90) == [0, 0]
    for i in range(2): assert 'resumed from' in log(tmp_path, f'b{i}') and 'step 12, epoch 2 of 3' in log(tmp_path, f'b{i}')
    assert max_difference(tmp_path/'b0.npz', runs/'worker0.npz') == 0          # same weights as the uninterrupted job
    assert max_difference(tmp_path/'b1.npz', runs/'worker0.npz') == 0

def test_sigkill_mid_epoch_then_rerun_resumes(runs, tmp_path):
    ckpt = tmp_path/'checkpoints'
    first = job(tmp_path, 'killed', '--strategy', 'one', '--checkpoint-dir', ckpt, '--pause-at', 14)
    try:
        wait_for(tmp_path/'killed.log', 'paused after step 14', [first])       # step 14 of 27: mid-epoch 2, 2 steps after ckpt-12
        first.send_signal(signal.SIGKILL)
    finally: finish([first], timeout=10)
    assert sorted(p.name for p in ckpt.iterdir() if p.name.endswith('.index')) == ['ckpt-12.index', 'ckpt-9.index']
    assert finish([job(tmp_path, 'rerun', '--strategy', 'one', '--checkpoint-dir', ckpt)], timeout=60) == [0]
    assert 'resumed from' in log(tmp_path, 'rerun') and 'step 12, epoch 2 of 3' in log(tmp_path, 'rerun')
    assert 'epoch 1/3' not in log(tmp_path, 'rerun')                            # resumed, not restarted
    assert max_difference(tmp_path/'rerun.npz', runs/'one.npz') == 0            # bit for bit the uninterrupted run

def test_wrong_sharding_is_refused_before_training(tmp_path):
    envs = cluster_envs(2)
    assert finish([job(tmp_path, f'shard{i}', '--bad-sharding', env=envs[i]) for i in range(2)], timeout=60) == [0, 0]
    for i in range(2):
        out = log(tmp_path, f'shard{i}')
        assert 'accepted' not in out
        assert 'refused: auto-shard policy OFF with 2 workers' in out and 'trained on 2 times per epoch' in out
        assert 'refused: auto-shard policy FILE needs at least one input file per worker: 1 file(s) for 2 workers' in out

def test_command_runs_as_two_workers(tmp_path):
    "The documented one-liner: two `imgdl_train` processes with --workers; the chief writes the results."
    out, ports = tmp_path/'two', free_ports(2)
    args = [COMMAND, '--workers', f'127.0.0.1:{ports[0]},127.0.0.1:{ports[1]}', '--out', out, '--epochs', '2', '--batch-size', '100',
            '--max-train-images', '1000', '--max-test-images', '200', '--precision', 'float32', '--checkpoint-every', '12']
    procs = [start(args + ['--worker-index', i], ENV, tmp_path/f'cli{i}.log') for i in (1, 0)]   # 9 steps an epoch: one ends before any checkpoint
    assert finish(procs, timeout=150) == [0, 0], [(tmp_path/f'cli{i}.log').read_text()[-2000:] for i in (0, 1)]
    assert 'worker 1: training finished' in (tmp_path/'cli1.log').read_text()
    assert 'test accuracy: ' in (tmp_path/'cli0.log').read_text()
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)        # checkpoints cleared, nothing else
    metrics = json.loads((out/'metrics.json').read_text())
    assert metrics['config']['batch_size'] == 100 and metrics['images']['train'] == 900

def test_command_rejects_bad_cluster_flags(tmp_path):
    cases = [(['--worker-index', '1'], '--worker-index needs --workers'),
             (['--workers', 'localhost'], "is not host:port"),
             (['--workers', 'localhost:1,localhost:2', '--worker-index', '2'], 'not in 0..1'),
             (['--workers', 'localhost:1,localhost:2'], 'a multi-worker job needs --out')]
    for (args, message), (code, stderr) in zip(cases, run_error_cases('imgdl_train', [a for a, _ in cases], cwd=tmp_path, timeout=120)):
        assert code == 2 and message in stderr and 'Traceback' not in stderr, (args, stderr[-2000:])

def test_a_worker_alone_gives_up(tmp_path):
    "A worker whose partner never starts (e.g. the chief refused --out) stops with a clear error, not a hang."
    ports = free_ports(2)
    args = [COMMAND, '--workers', f'127.0.0.1:{ports[0]},127.0.0.1:{ports[1]}', '--worker-index', '1', '--out', tmp_path/'x',
            '--max-train-images', '600', '--join-timeout', '10']
    start_time = time.monotonic()
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=ENV, timeout=90)
    assert done.returncode == -signal.SIGKILL, (done.returncode, done.stderr[-2000:])   # ended by its watchdog
    assert 'the 2 workers did not all start within 10 s' in done.stderr and time.monotonic() - start_time < 60

def latest_checkpoint_step(checkpoint_dir:Path)->int:
    "The step of the newest checkpoint in `checkpoint_dir` (-1 when there is none yet)."
    import tensorflow as tf
    latest = tf.train.latest_checkpoint(str(checkpoint_dir)) if checkpoint_dir.is_dir() else None
    return int(latest.rsplit('-', 1)[1]) if latest else -1

def test_command_killed_mid_epoch_resumes_when_rerun(tmp_path):
    "SIGKILL `imgdl_train --checkpoint-dir` in its second epoch; the same command again resumes and ends as an uninterrupted run."
    import keras
    from imgdl_nb.train import same_weights
    args = ['--epochs', '3', '--batch-size', '40', '--max-train-images', '2000', '--max-test-images', '200',
            '--precision', 'float32', '--checkpoint-every', '5']   # 1,800 training images: 45 steps an epoch
    command = [COMMAND, *args, '--checkpoint-dir', str(tmp_path / 'ckpt'), '--out', str(tmp_path / 'out')]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    try:
        deadline = time.time() + 240
        while latest_checkpoint_step(tmp_path / 'ckpt') < 50:   # a checkpoint inside epoch 2 (steps 46-90)
            assert proc.poll() is None, 'the run ended before it could be killed in its second epoch'
            assert time.time() < deadline, 'no checkpoint within 240 s'
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL); proc.wait(30)
    finally:
        if proc.poll() is None: proc.kill(); proc.wait(30)
    killed_at = latest_checkpoint_step(tmp_path / 'ckpt')
    assert 50 <= killed_at < 135 and not (tmp_path / 'out' / 'model.keras').exists()
    rerun = subprocess.run(command, capture_output=True, text=True, env=ENV, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert f'step {killed_at}, epoch 2 of 3' in rerun.stdout or f'step {killed_at}, epoch 3 of 3' in rerun.stdout, rerun.stdout[-2000:]
    whole = subprocess.run([COMMAND, *args, '--checkpoint-dir', str(tmp_path / 'ckpt2'), '--out', str(tmp_path / 'whole')],
                           capture_output=True, text=True, env=ENV, timeout=300)
    assert whole.returncode == 0, whole.stderr[-2000:]
    resumed, uninterrupted = (keras.models.load_model(tmp_path / d / 'model.keras') for d in ('out', 'whole'))
    assert same_weights(resumed, uninterrupted)
