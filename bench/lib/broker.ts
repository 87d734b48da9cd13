/**
 * The benchmarks' Mosquitto: the test fixture's real broker on a free loopback port, configured not
 * to drop queued QoS 1 messages (`max_queued_messages 0`: the stock 1000 per client silently drops
 * the rest of a burst, MQTT-PITFALLS.md), with its pid found in /proc for CPU figures.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { startMosquitto, type Mosquitto } from '../../test/fixtures/mosquitto';
import { track } from './cleanup';

export interface BenchBroker extends Mosquitto {
  pid: number | null;
  config: string[];
}

function findPid(confPath: string): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes(confPath) && cmd.includes('mosquitto')) return Number(entry);
    } catch {
      // exited meanwhile
    }
  }
  return null;
}

export async function startBenchBroker(extra: string[] = []): Promise<BenchBroker> {
  // max_inflight_messages stays at Mosquitto's default (20), as a site would run it.
  const config = ['max_queued_messages 0', 'max_queued_bytes 0', ...extra];
  const broker = await startMosquitto({ extraConfig: config });
  const pid = findPid(`${broker.dir}/mosquitto.conf`);
  const untrack = track(pid ?? undefined);
  return {
    ...broker,
    pid,
    config,
    stop: async () => {
      await broker.stop();
      untrack();
    },
  };
}
