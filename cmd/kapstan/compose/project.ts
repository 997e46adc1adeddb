// The parsed, interpolated compose file that the converter reads.

/** One service as written in the file (after interpolation); keys are read and checked by the converter. */
export type ComposeService = Record<string, unknown>;

export interface ComposeProject {
  /** Project name: `name:`, else COMPOSE_PROJECT_NAME, else the directory's name; normalised as Compose does. */
  name: string;
  /** The compose file's absolute path, for messages. */
  file: string;
  /** Its directory: relative bind mounts and env_file paths are resolved from here. */
  workingDir: string;
  services: Record<string, ComposeService>;
  /** Top-level `volumes:` (named volume declarations). */
  volumes: Record<string, Record<string, unknown> | null>;
  /** Every top-level key, for the converter's unsupported-key warnings. */
  topLevel: Record<string, unknown>;
  /** Variables for values the file leaves to the environment (`environment: [KEY]`): the process environment over `.env`. */
  environment: Record<string, string>;
  /** Problems found while loading that did not stop it (unset variables). */
  warnings: string[];
}

/** A compose file that cannot be used; the message names the file (and line and column for YAML syntax). */
export class ComposeError extends Error {}
