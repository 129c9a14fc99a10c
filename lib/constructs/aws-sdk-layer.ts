import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { AirstepPropsError } from './airstep-props-error.ts';
import { PACKAGE_ROOT } from './package-root.ts';

/**
 * The AWS SDK v3 as a Lambda layer (`nodejs/node_modules`): the `@aws-sdk/*` clients Airstep depends on and every
 * package they need, copied from the installed `node_modules` (type declarations and source maps left out).
 * AWS's Node runtimes ship this SDK, so the `Airstep` construct adds the layer only in its MiniStack profile, where
 * functions run on the host's Node, which has none: the handlers import it, and so does DAG task code.
 */
export class AwsSdkLayer extends Construct {
  readonly layer: lambda.LayerVersion;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const packages = sdkPackages(PACKAGE_ROOT);
    const versions = packages.map((folder) => {
      const { name, version } = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
      return `${name}@${version}`;
    });
    this.layer = new lambda.LayerVersion(this, 'Layer', {
      description: 'AWS SDK for JavaScript v3 (the Airstep MiniStack profile)',
      compatibleRuntimes: [lambda.Runtime.NODEJS_24_X],
      code: lambda.Code.fromAsset(PACKAGE_ROOT, {
        // Named by the packages' versions: the layer is copied again only when one of them changes.
        assetHashType: AssetHashType.CUSTOM,
        assetHash: createHash('sha256').update(versions.sort().join('\n')).digest('hex'),
        bundling: {
          // Never used: the local copy below always succeeds.
          image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22'),
          local: {
            tryBundle(outputDir: string): boolean {
              for (const folder of packages) {
                cpSync(folder, join(outputDir, 'nodejs', 'node_modules', packageName(folder)), {
                  recursive: true,
                  dereference: true,
                  filter: (source) => !source.endsWith('.d.ts') && !source.endsWith('.map'),
                });
              }
              return true;
            },
          },
        },
      }),
    });
  }
}

/** The folders of the `@aws-sdk/*` packages the airstep package depends on, and of everything they depend on. */
function sdkPackages(root: string): string[] {
  const { dependencies = {} } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const found = new Set<string>();
  const pending = Object.keys(dependencies)
    .filter((name) => name.startsWith('@aws-sdk/'))
    .map((name) => ({ name, from: root }));
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const folder = installedFolder(next.name, next.from);
    if (folder === undefined)
      throw new AirstepPropsError('emulatorProfile', `the AWS SDK layer needs ${next.name}, which is not installed`);
    if (found.has(folder)) continue;
    found.add(folder);
    const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const name of Object.keys(manifest.dependencies ?? {})) pending.push({ name, from: folder });
  }
  // The layer has one flat node_modules: two versions of one package could not both be in it.
  const names = [...found].map(packageName);
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice !== undefined)
    throw new AirstepPropsError('emulatorProfile', `the AWS SDK layer would hold two versions of ${twice}`);
  return [...found].sort();
}

/** `node_modules/@scope/name` → `@scope/name`. */
function packageName(folder: string): string {
  return folder.slice(folder.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

/** Where Node would find a package from a folder: the nearest `node_modules/<name>` above it. */
function installedFolder(name: string, from: string): string | undefined {
  for (let folder = from; ; folder = dirname(folder)) {
    const candidate = join(folder, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(folder) === folder) return undefined;
  }
}
