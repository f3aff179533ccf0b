import { describe, expect, it } from 'vitest';
import { amiFamily, imageParameterPaths, parseImageName } from '../../src/aws/images.js';
import { UserError } from '../../src/engine/errors.js';

describe('imageParameterPaths', () => {
  it('names the documented SSM parameters for the recommended image', () => {
    expect(imageParameterPaths('AL2_x86_64', '1.29')).toEqual({
      imageId: '/aws/service/eks/optimized-ami/1.29/amazon-linux-2/recommended/image_id',
      release: '/aws/service/eks/optimized-ami/1.29/amazon-linux-2/recommended/release_version',
    });
    expect(imageParameterPaths('AL2_ARM_64', '1.30').imageId).toBe(
      '/aws/service/eks/optimized-ami/1.30/amazon-linux-2-arm64/recommended/image_id',
    );
    expect(imageParameterPaths('AL2_x86_64_GPU', '1.30').imageId).toBe(
      '/aws/service/eks/optimized-ami/1.30/amazon-linux-2-gpu/recommended/image_id',
    );
    expect(imageParameterPaths('AL2023_x86_64_STANDARD', '1.33').imageId).toBe(
      '/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/standard/recommended/image_id',
    );
    expect(imageParameterPaths('AL2023_ARM_64_STANDARD', '1.33').imageId).toBe(
      '/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/arm64/standard/recommended/image_id',
    );
    expect(imageParameterPaths('AL2023_x86_64_NVIDIA', '1.33').imageId).toBe(
      '/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/nvidia/recommended/image_id',
    );
    expect(imageParameterPaths('BOTTLEROCKET_x86_64', '1.31')).toEqual({
      imageId: '/aws/service/bottlerocket/aws-k8s-1.31/x86_64/latest/image_id',
      release: '/aws/service/bottlerocket/aws-k8s-1.31/x86_64/latest/image_version',
    });
    expect(imageParameterPaths('BOTTLEROCKET_ARM_64_NVIDIA', '1.31').imageId).toBe(
      '/aws/service/bottlerocket/aws-k8s-1.31-nvidia/arm64/latest/image_id',
    );
  });

  it('names the parameters of a given release', () => {
    expect(imageParameterPaths('AL2_x86_64', '1.29', '1.29.3-20240531').imageId).toBe(
      '/aws/service/eks/optimized-ami/1.29/amazon-linux-2/amazon-eks-node-1.29-v20240531/image_id',
    );
    expect(imageParameterPaths('AL2_ARM_64', '1.29', '1.29.3-20240531').imageId).toBe(
      '/aws/service/eks/optimized-ami/1.29/amazon-linux-2-arm64/amazon-eks-arm64-node-1.29-v20240531/image_id',
    );
    expect(imageParameterPaths('AL2023_x86_64_STANDARD', '1.30', '1.30.0-20240531').imageId).toBe(
      '/aws/service/eks/optimized-ami/1.30/amazon-linux-2023/x86_64/standard/amazon-eks-node-al2023-x86_64-standard-1.30-v20240531/image_id',
    );
    expect(imageParameterPaths('BOTTLEROCKET_x86_64', '1.31', '1.23.0-2a3f9b21').imageId).toBe(
      '/aws/service/bottlerocket/aws-k8s-1.31/x86_64/1.23.0/image_id',
    );
  });

  it('refuses what has no published image', () => {
    expect(() => imageParameterPaths('AL2_x86_64', '1.33')).toThrow(UserError);
    expect(() => imageParameterPaths('AL2_x86_64', '1.33')).toThrow(/AL2023 or Bottlerocket/);
    expect(imageParameterPaths('AL2_x86_64', '1.32').imageId).toContain('/1.32/amazon-linux-2/');
    expect(() => imageParameterPaths('CUSTOM', '1.30')).toThrow(UserError);
    expect(() => imageParameterPaths('WINDOWS_CORE_2022_x86_64', '1.30')).toThrow(UserError);
    expect(() => imageParameterPaths('AL2023_x86_64_STANDARD', '1.30', '1.29.5-20240531')).toThrow(/for Kubernetes 1\.29, not 1\.30/);
    expect(() => imageParameterPaths('AL2023_x86_64_STANDARD', 'latest')).toThrow(/not a Kubernetes version/);
  });
});

describe('image names and families', () => {
  it('parses EKS-optimized image names', () => {
    expect(parseImageName('amazon-eks-node-1.29-v20240531')).toEqual({ family: 'AL2', version: '1.29', release: '20240531' });
    expect(parseImageName('amazon-eks-arm64-node-1.29-v20240531')?.family).toBe('AL2');
    expect(parseImageName('amazon-eks-node-al2023-arm64-standard-1.31-v20241024')).toEqual({
      family: 'AL2023',
      version: '1.31',
      release: '20241024',
    });
    expect(parseImageName('bottlerocket-aws-k8s-1.30-x86_64-v1.20.1-7c3e9198')).toEqual({
      family: 'BOTTLEROCKET',
      version: '1.30',
      release: '1.20.1-7c3e9198',
    });
    expect(parseImageName('bottlerocket-aws-k8s-1.30-nvidia-aarch64-v1.20.1-7c3e9198')?.version).toBe('1.30');
    expect(parseImageName('my-golden-image-2024')).toBeUndefined();
  });

  it('maps amiTypes to families', () => {
    expect(amiFamily('AL2_x86_64')).toBe('AL2');
    expect(amiFamily('AL2023_ARM_64_STANDARD')).toBe('AL2023');
    expect(amiFamily('BOTTLEROCKET_x86_64_FIPS')).toBe('BOTTLEROCKET');
    expect(amiFamily('CUSTOM')).toBe('CUSTOM');
  });
});
