package io.durability.storage.mmap;

import io.durability.storage.DurabilityException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The streams of an {@link MmapDirectory}'s byte files. Their one job: turn every
 * {@link IOException} of the underlying stream into a {@link DurabilityException} that names the
 * file, so callers of {@link io.durability.storage.Directory#createFile} and
 * {@link io.durability.storage.Directory#openFile} see the library's error type only.
 */
final class ByteFileStreams
{
    private ByteFileStreams()
    {
    }

    /** A byte file's output: IO failures become {@link DurabilityException}s naming the file. */
    static final class Output extends OutputStream
    {
        private final OutputStream out;
        private final String path;

        Output(final OutputStream out, final String path)
        {
            this.out = out;
            this.path = path;
        }

        @Override
        public void write(final int b)
        {
            try
            {
                out.write(b);
            }
            catch (final IOException ex)
            {
                throw FsFiles.failure("write", path, ex);
            }
        }

        @Override
        public void write(final byte[] b, final int off, final int len)
        {
            try
            {
                out.write(b, off, len);
            }
            catch (final IOException ex)
            {
                throw FsFiles.failure("write", path, ex);
            }
        }

        @Override
        public void flush()
        {
            try
            {
                out.flush();
            }
            catch (final IOException ex)
            {
                throw FsFiles.failure("write", path, ex);
            }
        }

        @Override
        public void close()
        {
            try
            {
                out.close();
            }
            catch (final IOException ex)
            {
                throw FsFiles.failure("write", path, ex);
            }
        }
    }

    /** A byte file's input: IO failures become {@link DurabilityException}s naming the file. */
    static final class Input extends InputStream
    {
        private final InputStream in;
        private final String path;

        Input(final InputStream in, final String path)
        {
            this.in = in;
            this.path = path;
        }

        @Override
        public int read()
        {
            try
            {
                return in.read();
            }
            catch (final IOException ex)
            {
                throw FsFiles.failure("read", path, ex);
            }
        }

        @Override
        public int read(final byte[] b, final int off, final int len)
        {
            try
            {
                return in.read(b, off, len);
            }
            catch (final IOException ex)
            {
                throw FsFiles.failure("read", path, ex);
            }
        }

        @Override
        public long skip(final long n)
        {
            try
            {
                return in.skip(n);
            }
            catch (final IOException ex)
            {
                throw FsFiles.failure("read", path, ex);
            }
        }

        @Override
        public int available()
        {
            try
            {
                return in.available();
            }
            catch (final IOException ex)
            {
                throw FsFiles.failure("read", path, ex);
            }
        }

        @Override
        public void close()
        {
            try
            {
                in.close();
            }
            catch (final IOException ex)
            {
                throw FsFiles.failure("read", path, ex);
            }
        }
    }
}
