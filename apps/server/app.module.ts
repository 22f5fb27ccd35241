import { Module } from '@nestjs/common';
import { WebModule } from '../../libs/web/web.module';

/** The server's module graph: the API and live channels, and the web app. */
@Module({
  imports: [WebModule],
})
export class AppModule {}
