/** Progress lines of a long benchmark step, on stderr (stdout carries only the table or the JSON). */
let quiet = false;

export function setQuiet(value: boolean): void {
  quiet = value;
}

export function progress(text: string): void {
  if (!quiet) process.stderr.write(text);
}
