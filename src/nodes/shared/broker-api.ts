/** What an `lpr-broker` config node offers the flow nodes that use it. */
import type { MessageKind, MessageOf, TopicTree } from '../../protocol';
import type { BrokerConnection, ConnectionState, PublishErrorHandler, PublishOptions } from '../../runtime/broker-connection';
import type { BrokerSettings } from '../../runtime/broker-settings';
import { ENGLISH, type Translate } from './i18n';
import type { Node, NodeAPI } from './red';

export interface LprBroker extends Node {
  /** Its settings; `settings.timeZone` is the site time zone a zone-less message time is read in. */
  readonly settings: BrokerSettings;
  readonly topics: TopicTree;
  readonly connection: BrokerConnection;
  /** Adds a user: the connection starts once flows have started; `onState` sees every change. */
  register(user: Node, onState: (state: ConnectionState) => void): void;
  deregister(user: Node): void;
  /**
   * Makes this connection an edge camera's: its will (and its goodbye on a clean stop) becomes
   * the camera's retained offline health, instead of the server's status. One camera per broker.
   */
  claimCameraPresence(user: Node, cameraId: string): Error | null;
  /** Validates `message` against its kind's schema and publishes it with the policy's QoS and retain. */
  publishMessage<K extends MessageKind>(
    kind: K,
    id: string | undefined,
    message: MessageOf<K>,
    extra?: Pick<PublishOptions, 'properties'>,
  ): Promise<void>;
  /**
   * publishMessage for a caller that does not wait (a window end's thousands of results): no
   * promise; `onError` hears of a message that did not validate (topic '' when its id did not), was
   * dropped or failed, with its topic, so that the caller builds its warning's words only then.
   */
  publishMessageNoWait<K extends MessageKind>(kind: K, id: string | undefined, message: MessageOf<K>, onError: PublishErrorHandler): void;
}

/** The broker a flow node names in its `broker` property, or an error naming what is wrong. */
export function resolveBroker(RED: NodeAPI, id: unknown, t: Translate = ENGLISH): LprBroker | Error {
  if (typeof id !== 'string' || id === '') return new Error(t('lpr-common.error.noBroker'));
  const node = RED.nodes.getNode(id) as LprBroker | null;
  if (!node) return new Error(t('lpr-common.error.brokerNotDeployed', { id }));
  if (!node.connection) return new Error(t('lpr-common.error.brokerInvalid'));
  return node;
}
