"What the benchmarks record about the machine they ran on."
import platform
from pathlib import Path

def cpu_description()->str:
    "The CPU's model name and the vector instructions that int8 and bfloat16 kernels use, from /proc/cpuinfo."
    try: info = Path('/proc/cpuinfo').read_text()
    except OSError: return platform.machine()
    name = next((l.split(':', 1)[1].strip() for l in info.splitlines() if l.startswith('model name')), platform.machine())
    flags = set(next((l.split(':', 1)[1].split() for l in info.splitlines() if l.startswith('flags')), []))
    return f"{name} ({', '.join(f for f in ('avx2', 'avx512f', 'avx512_vnni', 'avx_vnni', 'avx512_bf16', 'amx_int8', 'amx_bf16') if f in flags)})"
