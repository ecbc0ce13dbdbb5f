using PingPong;

try
{
    Options options = Options.Parse(args);
    return options.Child ? Child.Run(options) : Parent.Run(options);
}
catch (UsageException e)
{
    if (e.Message.Length > 0 && e.Message != new UsageException().Message)
        Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(Options.Usage);
    return 2;
}
