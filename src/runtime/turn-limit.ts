/**
 * At most `limit` inbound messages per turn of the event loop. Left alone, MQTT.js handles every
 * packet of a read, and Node reads a socket up to 32 times per turn: a backlog (a drain, a
 * reconnect, a start-up burst) comes in by the thousand before Node-RED delivers any of them, since
 * Node-RED delivers each message on a later turn (setImmediate). All of those messages are alive at
 * once, so every young collection in the burst copies megabytes of them (docs/performance.md, "The
 * eighth pass": 2,315 per turn in a drain). Holding MQTT.js's next packet until the next turn once
 * `limit` were taken lets Node-RED deliver what came first; the socket waits meanwhile (MQTT.js's
 * stream stops reading while a packet is unfinished), so nothing is dropped or reordered, and the
 * PUBACK of the message at the limit goes a turn later.
 */
import type { MqttClient } from 'mqtt';

export function limitMessagesPerTurn(client: MqttClient, limit: number): void {
  let taken = 0;
  let turnEnds = false;
  const nextTurn = () => {
    taken = 0;
    turnEnds = false;
  };
  client.handleMessage = (_packet, callback) => {
    if (!turnEnds) {
      // Counted per turn: the count starts again when the event loop comes round.
      turnEnds = true;
      setImmediate(nextTurn);
    }
    if (++taken < limit) callback();
    // Runs after nextTurn (scheduled earlier, and immediates run in order): a fresh count.
    else setImmediate(callback);
  };
}
