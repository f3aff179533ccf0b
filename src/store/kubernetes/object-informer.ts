// One kind of object kept in step with the API server, as client-go's informers do: list, then watch
// from the list's resourceVersion; a dropped watch resumes from the last version seen, a 410 Gone
// lists again. Every change (ours echoed back included) goes to onChange.
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from '../../engine/errors.js';
import { backoffMs } from '../../kube/cluster-watch.js';
import { codeOf } from '../../kube/kube-errors.js';

export interface StoredObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; creationTimestamp?: string; labels?: Record<string, string> };
  spec?: any;
  status?: any;
}

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface InformerOptions {
  kubeConfig: KubeConfig;
  /** e.g. /apis/mngbot.io/v1/namespaces/mngbot/nodegroupupgrades */
  path: string;
  list(): Promise<{ items: StoredObject[]; resourceVersion: string }>;
  onChange(type: ChangeType, object: StoredObject): void;
  /** After each (re-)list, with every object then. */
  onList?(items: StoredObject[]): void;
  log?: (message: string) => void;
  /** A watch quiet for this long is started again. Default 60 s. */
  idleTimeoutMs?: number;
}

export class ObjectInformer {
  readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (err: unknown) => void;
  private rv = '';
  private stopped = false;
  private failures = 0;
  private abort?: { abort(): void };
  private retryTimer?: NodeJS.Timeout;
  private readonly watcher: Watch;

  constructor(private readonly o: InformerOptions) {
    this.ready = new Promise((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    this.ready.catch(() => {});
    this.watcher = new Watch(o.kubeConfig);
    (this.watcher as unknown as { requestTimeoutMs: number }).requestTimeoutMs = o.idleTimeoutMs ?? 60_000;
  }

  start(): Promise<void> {
    void this.relist(true);
    return this.ready;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.abort?.abort();
  }

  private async relist(first = false): Promise<void> {
    if (this.stopped) return;
    try {
      const { items, resourceVersion } = await this.o.list();
      this.rv = resourceVersion;
      this.o.onList?.(items);
      if (first) this.resolveReady();
      this.failures = 0;
      await this.watch();
    } catch (err) {
      if (first) {
        this.rejectReady(err);
        return;
      }
      this.retry(err, () => this.relist());
    }
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    let finished = false;
    const done = (err?: unknown) => {
      if (finished || this.stopped) return;
      finished = true;
      if (codeOf(err) === 410) {
        void this.relist();
        return;
      }
      if (err) this.retry(err, () => this.watch());
      else void this.watch();
    };
    try {
      this.abort = await this.watcher.watch(
        this.o.path,
        { allowWatchBookmarks: true, resourceVersion: this.rv },
        (type: string, object: StoredObject) => {
          if (object?.metadata?.resourceVersion) this.rv = object.metadata.resourceVersion;
          if (type === 'ERROR') {
            const code = (object as unknown as { code?: number }).code;
            done(Object.assign(new Error('watch error'), { statusCode: code }));
            return;
          }
          if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
            this.failures = 0;
            this.o.onChange(type, object);
          }
        },
        done,
      );
    } catch (err) {
      done(err);
    }
  }

  private retry(err: unknown, again: () => Promise<void>): void {
    if (this.stopped) return;
    this.failures++;
    if (this.failures === 1 || this.failures % 10 === 0) this.o.log?.(`${this.o.path}: watch failed (${errorMessage(err)}); trying again`);
    this.retryTimer = setTimeout(() => void again(), backoffMs(this.failures));
    this.retryTimer.unref?.();
  }
}
