/** STUB — replaced by the normalisation work. Contract in API.md. */
export interface Province {
  code: string;
  th: string;
  en: string;
  aliases: string[];
}
export const PROVINCES: readonly Province[] = [{ code: 'TH-10', th: 'กรุงเทพมหานคร', en: 'Bangkok', aliases: ['กทม', 'BKK'] }];
export function provinceCode(name: string | null | undefined): string | null {
  if (!name) return null;
  const n = name.trim().toLowerCase();
  for (const p of PROVINCES) if ([p.code.toLowerCase(), p.th, p.en.toLowerCase(), ...p.aliases.map((a) => a.toLowerCase())].includes(n)) return p.code;
  return null;
}
