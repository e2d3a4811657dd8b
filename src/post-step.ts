import { rmSync } from 'node:fs';
import * as core from '@actions/core';
import { releaseLeftHold } from './kube/release-lock.js';

/** State keys the main step saves for the post step (core.saveState). */
export const STATE_FILES_TO_REMOVE = 'files-to-remove';

/**
 * Runs after the job's steps, also when they failed or were cancelled: releases a hold on the
 * release that the main step could not (it needs the kubeconfig), then removes the files the main
 * step recorded (kubeconfig, values with secrets, DOCKER_CONFIG), so nothing sensitive outlives the job.
 */
export async function runPostStep(): Promise<void> {
  await releaseLeftHold();
  const recorded = core.getState(STATE_FILES_TO_REMOVE);
  const paths: string[] = recorded ? (JSON.parse(recorded) as string[]) : [];
  for (const path of paths) {
    rmSync(path, { recursive: true, force: true });
    core.info(`Removed ${path}`);
  }
}

const pathsToRemove: string[] = [];

/** Records a path for the post step to remove (state written now, read by the post step). */
export function removeInPostStep(path: string): void {
  pathsToRemove.push(path);
  core.saveState(STATE_FILES_TO_REMOVE, JSON.stringify(pathsToRemove));
}
