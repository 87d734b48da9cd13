/**
 * Serves the images lpr-detection-in nodes keep (runtime/image-store.ts) on Node-RED's HTTP
 * server (httpNode, like the dashboard): GET {httpNodeRoot}lpr/images/{camera_id}/{message_id}.jpg.
 * One route for the runtime, shared by every node that keeps images, removed with the last of
 * them (a redeploy removes and adds it again, as lpr-system-monitor does with its metrics path).
 * Both path parts are checked against the identifier rules before any lookup; the images are in
 * memory, so there is no file path to traverse.
 */
import { messageIdLevelProblem } from '../../protocol/images';
import { isIdentifier } from '../../protocol/identifiers';
import type { ImageStore } from '../../runtime/image-store';
import type { NodeAPI } from './red';

type Request = { params?: Record<string, string | undefined> };
type Response = { set(name: string, value: string): Response; status(code: number): Response; send(body: string | Buffer): void; end(): void };
type Handler = (req: Request, res: Response) => void;
type Router = { stack: Array<{ route?: { path?: string; stack?: Array<{ handle?: unknown }> } }> };
type Express = { get(path: string, handler: Handler): void; _router?: Router; router?: Router };

export const IMAGE_ROUTE = '/lpr/images/:camera/:file';

const stores = new Set<ImageStore>();
let mounted: { app: Express; handler: Handler } | null = null;

/** The image of camera + message id from the stores, the most recently registered first. */
export function findImage(cameraId: string, messageId: string): Buffer | undefined {
  for (const store of [...stores].reverse()) {
    const found = store.get(cameraId, messageId);
    if (found) return found;
  }
  return undefined;
}

const handler: Handler = (req, res) => {
  const camera = req.params?.camera ?? '';
  const file = req.params?.file ?? '';
  const messageId = file.endsWith('.jpg') ? file.slice(0, -4) : '';
  const image = isIdentifier(camera) && messageIdLevelProblem(messageId) === null ? findImage(camera, messageId) : undefined;
  res.set('X-Content-Type-Options', 'nosniff');
  if (!image) {
    res.set('Content-Type', 'text/plain; charset=utf-8').status(404).send('image not found (never received, or no longer kept)');
    return;
  }
  // An image never changes under its message id.
  res.set('Content-Type', 'image/jpeg').set('Cache-Control', 'private, max-age=86400, immutable').status(200).send(image);
};

/** Adds `store` to what the route serves, mounting the route if it is the first. Returns false when the runtime has no HTTP server. */
export function serveImages(RED: NodeAPI, store: ImageStore): boolean {
  const app = (RED as NodeAPI & { httpNode?: Express }).httpNode;
  if (!app) return false;
  stores.add(store);
  if (!mounted || mounted.app !== app) {
    if (mounted) unmount();
    app.get(IMAGE_ROUTE, handler);
    mounted = { app, handler };
  }
  return true;
}

/** Removes `store`; the route goes with the last one. */
export function stopServingImages(store: ImageStore): void {
  stores.delete(store);
  if (stores.size === 0) unmount();
}

function unmount(): void {
  if (!mounted) return;
  const router = mounted.app._router ?? mounted.app.router;
  if (router) router.stack = router.stack.filter((layer) => !layer.route?.stack?.some((s) => s.handle === mounted!.handler));
  mounted = null;
}

/** The URL path of an image as the browser asks for it, under Node-RED's httpNodeRoot. */
export function imagePath(RED: NodeAPI, cameraId: string, messageId: string): string {
  let root = '/';
  try {
    const configured = (RED as NodeAPI & { settings?: { httpNodeRoot?: unknown } }).settings?.httpNodeRoot;
    if (typeof configured === 'string' && configured !== '') root = configured;
  } catch {
    // a setting not loaded yet throws: the default root
  }
  if (!root.startsWith('/')) root = '/' + root;
  if (!root.endsWith('/')) root += '/';
  return `${root}lpr/images/${encodeURIComponent(cameraId)}/${encodeURIComponent(messageId)}.jpg`;
}
