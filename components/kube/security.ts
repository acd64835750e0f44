/** Security contexts that satisfy Pod Security Admission `restricted`. */
import * as k8s from "@pulumi/kubernetes";

type ContainerSecurityContext = k8s.types.input.core.v1.SecurityContext;
type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;

/** Per-container context for the restricted level: non-root, no escalation, no capabilities, read-only root. */
export function restrictedContainerSecurityContext(): ContainerSecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export interface PodUser {
  /** UID the image runs as (see the image table). */
  readonly uid: number;
  /** GID, and the group that owns mounted volumes. Defaults to `uid`. */
  readonly gid?: number;
}

/**
 * Pod-level context for the restricted level. `fsGroup` makes a fresh volume writable by the image's user;
 * `OnRootMismatch` skips the recursive chown on every restart of a large volume.
 */
export function restrictedPodSecurityContext(user: PodUser): PodSecurityContext {
  const gid = user.gid ?? user.uid;
  return {
    runAsNonRoot: true,
    runAsUser: user.uid,
    runAsGroup: gid,
    fsGroup: gid,
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}
