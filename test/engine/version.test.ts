import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/engine/errors.js';
import {
  KNOWN_EKS_VERSIONS,
  amiFamilyMaxVersion,
  checkTarget,
  compareVersions,
  kubeletMinor,
  kubeletSkew,
  maxKubeletSkew,
  parseVersion,
} from '../../src/engine/version.js';

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error('expected a UserError');
}

describe('parseVersion', () => {
  it.each([
    ['1.30', { major: 1, minor: 30, text: '1.30' }],
    ['v1.30', { major: 1, minor: 30, text: '1.30' }],
    ['V1.30', { major: 1, minor: 30, text: '1.30' }],
    ['  1.30  ', { major: 1, minor: 30, text: '1.30' }],
    ['1.30.4', { major: 1, minor: 30, patch: 4, text: '1.30' }],
    ['v1.9.0', { major: 1, minor: 9, patch: 0, text: '1.9' }],
  ])('accepts %j', (text, expected) => {
    expect(parseVersion(text)).toEqual(expected);
  });

  it.each(['', '1', '130', '1.30.4.1', '1.x', 'vv1.30', '1.30-eks', 'latest', '1.030', '1. 30', '-1.30'])(
    'refuses %j, quoting it and naming the accepted forms',
    (text) => {
      const err = userError(() => parseVersion(text));
      expect(err.message).toContain(`"${text.trim()}"`);
      expect(err.message).toContain('use 1.30, v1.30 or 1.30.4');
    },
  );
});

describe('kubeletMinor', () => {
  it('reads major.minor of kubelet versions', () => {
    expect(kubeletMinor('v1.29.3-eks-ae9a62a')).toBe('1.29');
    expect(kubeletMinor('v1.30.0')).toBe('1.30');
    expect(kubeletMinor('1.28.15-eks-1')).toBe('1.28');
  });
  it('throws on garbage (not a UserError: the cluster reported it)', () => {
    expect(() => kubeletMinor('unknown')).toThrow(/unreadable kubelet version/);
    expect(() => kubeletMinor('unknown')).not.toThrow(UserError);
  });
});

describe('compareVersions', () => {
  it('orders numerically, not as text', () => {
    expect(compareVersions('1.9', '1.10')).toBeLessThan(0);
    expect(compareVersions('1.30', 'v1.30')).toBe(0);
    expect(compareVersions('1.30', '1.30.0')).toBe(0);
    expect(compareVersions('1.30.4', '1.30.10')).toBeLessThan(0);
    expect(compareVersions('2.0', '1.99')).toBeGreaterThan(0);
    expect(['1.30', '1.9', '1.28.1', '1.28'].sort(compareVersions)).toEqual(['1.9', '1.28', '1.28.1', '1.30']);
  });
});

describe('skew', () => {
  it('allows 3 minors from 1.28, 2 before', () => {
    expect(maxKubeletSkew('1.27')).toBe(2);
    expect(maxKubeletSkew('1.28')).toBe(3);
    expect(maxKubeletSkew('1.34')).toBe(3);
  });
  it('reports skew as data', () => {
    expect(kubeletSkew('1.30', '1.27')).toEqual({ controlPlane: '1.30', kubelet: '1.27', behind: 3, allowed: 3, supported: true });
    expect(kubeletSkew('1.30', '1.26').supported).toBe(false);
    expect(kubeletSkew('1.27', '1.24').supported).toBe(false);
    expect(kubeletSkew('1.27', '1.25').supported).toBe(true);
    expect(kubeletSkew('1.29', '1.30')).toMatchObject({ behind: -1, supported: false });
  });
});

describe('amiFamilyMaxVersion', () => {
  it('ends AL2 at 1.32 only', () => {
    expect(amiFamilyMaxVersion('AL2')).toBe('1.32');
    expect(amiFamilyMaxVersion('AL2023')).toBeUndefined();
    expect(amiFamilyMaxVersion('BOTTLEROCKET')).toBeUndefined();
    expect(amiFamilyMaxVersion('CUSTOM')).toBeUndefined();
  });
});

describe('checkTarget', () => {
  const names = { cluster: 'prod', nodegroup: 'ng-1' };

  it('normalises the target', () => {
    const r = checkTarget({ target: 'v1.30.4', controlPlane: '1.30', nodegroup: '1.29', names });
    expect(r).toMatchObject({ version: '1.30', patch: 4, sameVersion: false });
  });

  it('allows the current version: a newer AMI release of it', () => {
    const r = checkTarget({ target: '1.29', controlPlane: '1.30', nodegroup: '1.29' });
    expect(r.sameVersion).toBe(true);
    expect(r.patch).toBeUndefined();
  });

  it('refuses a target newer than the control plane, saying to upgrade it first', () => {
    const err = userError(() => checkTarget({ target: '1.31', controlPlane: '1.30', nodegroup: '1.29', names }));
    expect(err.message).toContain('newer than the control plane of prod (1.30)');
    expect(err.message).toContain('upgrade the control plane first');
    expect(err.message).toContain('eksctl upgrade cluster --name prod --version 1.31');
    expect(err.message).toContain('aws eks update-cluster-version --name prod --kubernetes-version 1.31');
    expect(err.hint).toContain('upgrade the control plane first');
  });

  it('refuses a downgrade, saying to create a new node group', () => {
    const err = userError(() => checkTarget({ target: '1.28', controlPlane: '1.30', nodegroup: '1.29', names }));
    expect(err.message).toContain("1.28 is older than node group ng-1's 1.29");
    expect(err.message).toContain('cannot be downgraded');
    expect(err.message).toContain('create a new node group at 1.28 instead');
  });

  it('refuses a major other than 1', () => {
    const err = userError(() => checkTarget({ target: '2.0', controlPlane: '1.30', nodegroup: '1.29' }));
    expect(err.message).toContain('2.0 is not a Kubernetes version EKS offers');
    expect(err.message).toContain('use 1.30, v1.30 or 1.30.4');
  });

  it('refuses a version outside the known list when one is given', () => {
    const err = userError(() =>
      checkTarget({ target: '1.22', controlPlane: '1.22', nodegroup: '1.22', known: KNOWN_EKS_VERSIONS }),
    );
    expect(err.message).toContain('1.22 is not a Kubernetes version EKS supports (known: 1.23–1.34)');
    expect(err.message).toContain('choose one of those');
    // Without a list, the control plane and node group bound the target.
    expect(checkTarget({ target: '1.22', controlPlane: '1.22', nodegroup: '1.22' }).version).toBe('1.22');
  });

  it('refuses malformed targets before anything else', () => {
    const err = userError(() => checkTarget({ target: 'one.thirty', controlPlane: '1.30', nodegroup: '1.29' }));
    expect(err.message).toBe('"one.thirty" is not a Kubernetes version: use 1.30, v1.30 or 1.30.4');
  });

  it('reports the current and resulting skew as data, never as an error', () => {
    const r = checkTarget({ target: '1.26', controlPlane: '1.30', nodegroup: '1.25' });
    expect(r.currentSkew).toMatchObject({ behind: 5, allowed: 3, supported: false });
    expect(r.afterSkew).toMatchObject({ behind: 4, supported: false });
    const ok = checkTarget({ target: '1.30', controlPlane: '1.30', nodegroup: '1.25' });
    expect(ok.afterSkew.supported).toBe(true);
  });

  it('knows EKS 1.23 to 1.34', () => {
    expect(KNOWN_EKS_VERSIONS[0]).toBe('1.23');
    expect(KNOWN_EKS_VERSIONS.at(-1)).toBe('1.34');
    expect(KNOWN_EKS_VERSIONS).toHaveLength(12);
  });
});
