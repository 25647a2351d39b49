export function kernelArgv(connectionFile: string, root: string): string[];
export function missingKernelFiles(root: string): string[];
