"""Run the per-file step over many files in worker processes, so that one file can cost
neither the batch, nor the other files' results, nor all the memory or all the time.

Each worker caps its address space and, per file, its CPU time (the kernel stops a file
that loops) and its wall-clock time. If a worker dies anyway (a parser can abort the
whole process on a crafted file), the pool is rebuilt: the files that were in flight are
re-run one per process, so the culprit is named, and the rest carry on in parallel.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

from processor.model.batch import CheckContext, Limits
from processor.model.issues import make_issue
from processor.model.records import FileResult, FoundFile
from processor.system.processes import die_with_parent

try:
    import resource
except ImportError:  # Windows: no rlimits; the wall-clock guard of isolated retries remains
    resource = None  # type: ignore[assignment]

Progress = Callable[[int, int], None]
MAX_WORKERS_PER_CORE = 4
# The per-file step, path in, record out (processor.intake.step.process_file): a parameter,
# so the pool knows nothing of reading or checking, and tests can hand it a sabotaged one.
# Under spawn (Windows) it is pickled by reference, so it must be a module-level function.
Step = Callable[[FoundFile, CheckContext], FileResult]


class _FileTimeout(Exception):
    pass


def _on_alarm(_signum: int, _frame: object) -> None:
    raise _FileTimeout


def init_worker(limits: Limits) -> None:
    """A worker's set-up: it dies with the parent, leaves Ctrl-C to it, and has a memory cap."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if hasattr(signal, "SIGALRM"):
        signal.signal(signal.SIGALRM, _on_alarm)
    if resource is not None:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limits.max_memory_bytes, limits.max_memory_bytes))
        except (ValueError, OSError):
            pass


def _empty_result(found: FoundFile, code: str, **params: object) -> FileResult:
    return FileResult(rel=found.rel, size=found.size, sha256="", mtime=found.mtime,
                      issues=(make_issue(code, found.rel, **params),))


def guarded(step: Step, found: FoundFile, ctx: CheckContext) -> FileResult:
    """The step under a CPU and a wall-clock limit; never raises."""
    limit = ctx.limits.max_seconds
    cpu_set = False
    if resource is not None:
        used = resource.getrusage(resource.RUSAGE_SELF)
        soft = int(used.ru_utime + used.ru_stime) + limit + 1
        try:
            resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.RLIM_INFINITY))
            cpu_set = True
        except (ValueError, OSError):
            pass
    if hasattr(signal, "alarm"):
        signal.alarm(limit + 1)
    try:
        return step(found, ctx)
    except _FileTimeout:
        return _empty_result(found, "file-timeout", gioi_han=limit)
    except MemoryError:
        return _empty_result(found, "reader-crashed")
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a bug of ours, or a parser panic, must not stop the batch either
        return _empty_result(found, "file-unreadable", chi_tiet=f"lỗi khi kiểm tra tệp ({type(exc).__name__})")
    finally:
        if hasattr(signal, "alarm"):
            signal.alarm(0)
        if cpu_set:
            resource.setrlimit(resource.RLIMIT_CPU, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def _guarded_chunk(step: Step, chunk: list[FoundFile], ctx: CheckContext) -> list[FileResult]:
    return [guarded(step, found, ctx) for found in chunk]


def pool_context() -> multiprocessing.context.BaseContext:
    # fork is cheap on Linux and lets tests patch the reader; spawn elsewhere.
    return multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")


def run_files(files: list[FoundFile], step: Step, ctx: CheckContext, workers: int,
              progress: Progress | None = None) -> list[FileResult]:
    """Results in the order of files, whatever order the workers finish in."""
    cores = os.cpu_count() or 1
    # More workers than files, or many more than cores, only cost memory (100,000 of them
    # once brought the OOM killer): the request is capped, never refused.
    workers = max(1, min(workers or cores, MAX_WORKERS_PER_CORE * cores, len(files) or 1))
    chunk_size = max(1, min(32, len(files) // (workers * 8) or 1))
    chunks = [files[i:i + chunk_size] for i in range(0, len(files), chunk_size)]
    results: dict[int, list[FileResult]] = {}
    done_files = 0
    next_chunk = 0
    while next_chunk < len(chunks):
        in_flight: dict[Future[list[FileResult]], int] = {}
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=pool_context(), initializer=init_worker,
                                     initargs=(ctx.limits,)) as pool:
                while next_chunk < len(chunks) or in_flight:
                    while next_chunk < len(chunks) and len(in_flight) < workers * 2:
                        in_flight[pool.submit(_guarded_chunk, step, chunks[next_chunk], ctx)] = next_chunk
                        next_chunk += 1
                    finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in finished:
                        index = in_flight[future]
                        results[index] = future.result()  # raises BrokenProcessPool if a worker died
                        del in_flight[future]
                        done_files += len(results[index])
                        if progress:
                            progress(done_files, len(files))
        except Exception:  # a dead worker (BrokenProcessPool) or a result that could not come back
            for index in sorted(in_flight.values()):
                results[index] = [run_isolated(step, found, ctx) for found in chunks[index]]
                done_files += len(results[index])
                if progress:
                    progress(done_files, len(files))
    return [result for index in range(len(chunks)) for result in results[index]]


def _isolated_target(step: Step, found: FoundFile, ctx: CheckContext,
                     conn: multiprocessing.connection.Connection) -> None:
    init_worker(ctx.limits)
    conn.send(guarded(step, found, ctx))
    conn.close()


def run_isolated(step: Step, found: FoundFile, ctx: CheckContext) -> FileResult:
    """One file in a process of its own: a crash or a hang is this file's, and named."""
    mp = pool_context()
    receiver, sender = mp.Pipe(duplex=False)
    process = mp.Process(target=_isolated_target, args=(step, found, ctx, sender), daemon=True)
    process.start()
    sender.close()
    result: FileResult | None = None
    answered = False  # a result came, or the pipe closed because the child died
    try:
        answered = receiver.poll(ctx.limits.max_seconds + 5)
        if answered:
            result = receiver.recv()
    except (EOFError, OSError):
        result = None
    finally:
        receiver.close()
    if not answered and process.is_alive():
        # silent past the limit: a hang. (A child that died closed the pipe: it is not a
        # hang even if it is still being reaped, which on a loaded machine takes a moment.)
        process.kill()
        process.join()
        return _empty_result(found, "file-timeout", gioi_han=ctx.limits.max_seconds)
    process.join()
    if result is not None:
        return result
    if process.exitcode is not None and -process.exitcode == getattr(signal, "SIGXCPU", -1):
        return _empty_result(found, "file-timeout", gioi_han=ctx.limits.max_seconds)
    return _empty_result(found, "reader-crashed")

