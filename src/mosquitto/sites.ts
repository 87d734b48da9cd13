/**
 * The site bundle: what a site's `lpr-mosquitto --site` run writes for the centre (centre/site.json)
 * and the centre's run reads back (`--site-bundle`): the site's name, its bridge user and that user's
 * password hash (never the password), the topic root and the site's cameras. The centre re-checks
 * every field and writes the ACL lines itself (bridge.ts), so a bundle cannot add a line of its own.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { identifierProblem, rootProblem } from '../protocol/identifiers';
import { MAX_CAMERAS, MosquittoOptionError } from './options';

export const SITE_BUNDLE_FORMAT = 'lpr-site-bundle/1';

const Id = z.string().superRefine((v, ctx) => {
  const p = identifierProblem(v);
  if (p) ctx.addIssue({ code: 'custom', message: p });
});

export const SiteBundleSchema = z.strictObject({
  format: z.literal(SITE_BUNDLE_FORMAT),
  site: Id,
  root: z.string().superRefine((v, ctx) => {
    const p = rootProblem(v);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  }),
  username: Id,
  /** A mosquitto_passwd hash (`$7$...` PBKDF2-SHA512 or `$6$...`): no `:`, space or control character. */
  passwordHash: z.string().regex(/^\$[67]\$[A-Za-z0-9+/=$.]{1,1024}$/, 'must be a mosquitto_passwd hash ($7$... or $6$...)'),
  cameras: z.array(Id).max(MAX_CAMERAS),
});

export type SiteBundle = z.infer<typeof SiteBundleSchema>;

/** Reads and checks one bundle; a problem is an option error naming the file and the field. */
export function readSiteBundle(file: string, index: number): SiteBundle {
  const field = `siteBundles[${index}]`;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new MosquittoOptionError(field, '--site-bundle', `cannot read ${file}: ${(err as Error).message}`);
  }
  const parsed = SiteBundleSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MosquittoOptionError(field, '--site-bundle', `${file}: ${issue.path.join('.') || '(bundle)'} ${issue.message}`);
  }
  return parsed.data;
}

/**
 * Checks the bundles together against the centre's own accounts: one root, distinct sites and
 * users, and each camera id in one place only (the topics are not prefixed per site, see bridge.ts).
 */
export function checkSiteBundles(bundles: readonly SiteBundle[], root: string, centreUsers: ReadonlySet<string>): void {
  const owner = new Map<string, string>();
  const sites = new Set<string>();
  bundles.forEach((b, i) => {
    const fail = (message: string) => {
      throw new MosquittoOptionError(`siteBundles[${i}]`, '--site-bundle', `site ${JSON.stringify(b.site)}: ${message}`);
    };
    if (b.root !== root) fail(`uses topic root ${JSON.stringify(b.root)}, the centre ${JSON.stringify(root)}`);
    if (sites.has(b.site)) fail('is given twice');
    sites.add(b.site);
    if (centreUsers.has(b.username) || owner.has(`user:${b.username}`)) fail(`its bridge user ${JSON.stringify(b.username)} is already a user of the centre`);
    owner.set(`user:${b.username}`, b.site);
    for (const camera of b.cameras) {
      const other = owner.get(`camera:${camera}`);
      if (other !== undefined) fail(`camera ${JSON.stringify(camera)} is also a camera of site ${JSON.stringify(other)}: camera ids must be unique across sites`);
      if (centreUsers.has(camera)) fail(`camera ${JSON.stringify(camera)} is also a user of the centre`);
      owner.set(`camera:${camera}`, b.site);
    }
  });
}
