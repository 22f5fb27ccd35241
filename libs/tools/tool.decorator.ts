import { DiscoveryService } from '@nestjs/core';

/**
 * Marks a Nest provider as a swap tool. The registry finds every provider so marked at module init;
 * the class must implement `SwapTool`.
 */
export const Tool = DiscoveryService.createDecorator<void>();
