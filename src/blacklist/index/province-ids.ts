/**
 * Province codes of a BlacklistIndex as small ids (kept in a u16 of each record): 0 = unknown.
 * Reads repeat a small vocabulary of province spellings, so provinceCode is memoised (bounded).
 */
import { provinceCode } from '../provinces';

export class ProvinceIds {
  private codes: Array<string | null> = [null];
  private ids = new Map<string, number>();
  private memo = new Map<string, string | null>();

  /** The ISO code of a province name in any spelling provinceCode knows; null if unknown or none. */
  codeOf(name: string | null | undefined): string | null {
    if (typeof name !== 'string' || name === '') return null;
    let code = this.memo.get(name);
    if (code === undefined) {
      code = provinceCode(name);
      if (this.memo.size >= 4096) this.memo.clear();
      this.memo.set(name, code);
    }
    return code;
  }

  /** The id of a province code (0 = unknown); -1 if `create` is false and no entry has it. */
  idOf(code: string | null, create: boolean): number {
    if (code === null) return 0;
    let id = this.ids.get(code);
    if (id === undefined) {
      if (!create || this.codes.length > 0xffff) return -1;
      id = this.codes.length;
      this.codes.push(code);
      this.ids.set(code, id);
    }
    return id;
  }

  /** The id of a code for matching: 0 when unknown (null), -1 when no entry has it. */
  lookup(code: string | null): number {
    return code === null ? 0 : (this.ids.get(code) ?? -1);
  }

  /** The code of an id (null for 0). */
  codeAt(id: number): string | null {
    return this.codes[id] ?? null;
  }
}
