import { badInput } from "../../errors";

/** Postgres keeps no NUL character (U+0000) in text or jsonb; refuse it up front instead of failing in the driver. */
export function assertStorable(value: unknown, argument: string): void {
  const holdsNul = (item: unknown): boolean =>
    typeof item === "string"
      ? item.includes("\u0000")
      : item !== null && typeof item === "object"
        ? Object.entries(item).some(([key, inner]) => key.includes("\u0000") || holdsNul(inner))
        : false;
  if (holdsNul(value)) throw badInput(`${argument} must not contain the NUL character (U+0000)`, argument);
}
