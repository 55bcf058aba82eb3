import fs from 'node:fs';
import os from 'node:os';

/** One line naming the machine, so figures are never read without it. */
export function describeMachine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() || 'unknown CPU';
  const memoryGiB = os.totalmem() / 1024 ** 3;
  return `machine: ${model}, ${cpus.length} cores, ${memoryGiB.toFixed(1)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.arch()}`;
}

export interface CpuTimes {
  busy: number;
  total: number;
}

/** Machine-wide CPU time from /proc/stat (Linux), or null elsewhere. */
export function readCpuTimes(): CpuTimes | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    // cpu  user nice system idle iowait irq softirq steal …
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number) as number[];
    // irq/softirq time is left out of `busy`: loopback traffic of the bench itself lands there
    // without being charged to either process, and would read as someone else's work.
    const busy = user! + nice! + system! + steal!;
    return { busy, total: busy + irq! + softirq! + idle! + iowait! };
  } catch {
    return null;
  }
}

/** CPU the whole machine used between two readings, 100 = one core. */
export function machineCpuPercent(before: CpuTimes | null, after: CpuTimes | null): number | null {
  if (!before || !after || after.total === before.total) return null;
  return ((after.busy - before.busy) / (after.total - before.total)) * os.cpus().length * 100;
}

/** Bytes this process has had read from storage (not from the page cache), or null off Linux. */
export function readStorageBytes(): number | null {
  try {
    const match = /^read_bytes:\s+(\d+)$/m.exec(fs.readFileSync('/proc/self/io', 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}
